from kizuna.cli.main import main

main()
