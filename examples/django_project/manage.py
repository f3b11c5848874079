#!/usr/bin/env python
"""A minimal Django project whose users keep a profile and a cover image.

python examples/django_project/manage.py migrate
python examples/django_project/manage.py createsuperuser
python examples/django_project/manage.py runserver
"""

import os
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resume_site.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
