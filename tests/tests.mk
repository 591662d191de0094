# tests module rules (included from the top Makefile.am)
EXTRA_DIST += tests/requirements.txt
