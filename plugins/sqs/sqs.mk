# plugins/sqs module rules (included from the top Makefile.am)
