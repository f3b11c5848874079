"""The API guide inside a Django project: an installable app.

Add ``"imagecore.adapters.django"`` to ``INSTALLED_APPS``, your settings to ``IMAGECORE`` (all
optional; see :mod:`~imagecore.adapters.django.conf`), and one line to your URLs::

    path("api/resume/", include("imagecore.adapters.django.urls")),

Then ``manage.py migrate``. Who asks is ``request.user``, as your own authentication says it:
Django's session, or Django REST framework's authentication classes (token, simplejwt) where DRF
is installed. Images are kept per user of your user model, files in one of your Django storages
(so django-storages and a CDN work), rate counts in your cache. ``manage.py imagecore_gc``,
``imagecore_check`` and ``imagecore_variants`` look after them.
"""
