# plugins/s3 module rules (included from the top Makefile.am)
