import sys

from vconsole.cli import main

sys.exit(main())
