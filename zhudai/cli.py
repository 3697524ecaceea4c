"""The `zhudai` console script: every Django management command, with zhudai's settings.

Django command modules cannot be named after Python keywords or contain dashes, so the
documented spellings `zhudai import …` and `zhudai rotate-keys` are mapped to their modules here.
"""

import os
import sys

ALIASES = {"import": "import_", "import-rollback": "import_rollback", "rotate-keys": "rotate_keys"}


def main(argv=None):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhudai.settings")
    argv = list(sys.argv if argv is None else argv)
    argv[0] = "zhudai"
    position = 2 if len(argv) > 2 and argv[1] == "help" else 1
    if len(argv) > position:
        argv[position] = ALIASES.get(argv[position], argv[position])
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
