from textkit.cli import main

raise SystemExit(main())
