# engine runtime module rules (included from the top Makefile.am):
# executor, plugin registry, Lua sandbox, journal, logging, the CLI.
engine_libpwengine_la_SOURCES += \
	engine/pw_log.c engine/pw_log.h \
	engine/pw_clock.c engine/pw_clock.h \
	engine/pw_lua_sandbox.c engine/pw_lua_sandbox.h
engine_libpwengine_la_SOURCES += \
	engine/pw_retry.c engine/pw_retry.h \
	engine/pw_registry.c engine/pw_registry.h \
	engine/pw_lua_step.c engine/pw_lua_step.h
engine_libpwengine_la_SOURCES += \
	engine/pw_journal.c engine/pw_journal.h \
	engine/pw_exec.c engine/pw_exec.h
engine_libpwengine_la_SOURCES += engine/pw_config.c engine/pw_config.h

