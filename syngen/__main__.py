import sys

from syngen.cli.main import main

sys.exit(main())
