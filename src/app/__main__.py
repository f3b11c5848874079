import sys

from imagecore.app.cli import main

sys.exit(main())
