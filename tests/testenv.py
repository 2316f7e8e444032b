"""Environment for the test run, loaded as a pytest plugin (``-p tests.testenv``)
so that it is in place before Django's settings are imported.

Tests run with DEBUG off, like production, but over plain HTTP.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_PAGE_CACHE_SECONDS", "0")  # on only where a test turns it on
os.environ.setdefault("DJANGO_CONTENT_STAMP_LISTEN", "0")  # tests roll back: nothing is heard
