"""Contract suites: one per port, inherited by every adapter of it.

An embedding app can check its own adapter the same way: subclass the contract and provide the
fixture it asks for.
"""
