# workflows module rules (included from the top Makefile.am)
# The example workflow of the README's first command, installed under
# $(pkgdatadir)/examples.
examplesdir = $(pkgdatadir)/examples
dist_examples_DATA = workflows/examples/hello.yaml workflows/examples/score.lua \
	workflows/examples/hello-input.json
