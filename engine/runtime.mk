# engine runtime module rules (included from the top Makefile.am):
# executor, plugin registry, Lua sandbox, journal, logging, the CLI.
engine_libpwengine_la_SOURCES += \
	engine/pw_log.c engine/pw_log.h \
	engine/pw_clock.c engine/pw_clock.h \
	engine/pw_lua_sandbox.c engine/pw_lua_sandbox.h
