from retention_core.cli import main

raise SystemExit(main())
