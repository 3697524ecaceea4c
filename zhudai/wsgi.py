"""WSGI entry point for gunicorn: `gunicorn zhudai.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhudai.settings")
application = get_wsgi_application()
