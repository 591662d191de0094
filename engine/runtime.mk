# engine module rules (included from the top Makefile.am)
