from inquiring.cli import main

main()
