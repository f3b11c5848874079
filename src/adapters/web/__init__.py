"""What every web binding of the guide shares, with no web framework: the guide's answers and
sentences, and the status, body and headers each error is answered with.

The Litestar adapter (:mod:`imagecore.adapters.http`) is a binding over it; an app that embeds
the core behind its own framework answers with the same words and statuses from here.
"""
