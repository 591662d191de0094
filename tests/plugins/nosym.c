/* nosym - a shared object without pw_plugin_entry: must be refused. */
#include <prewarm/plugin.h>

PW_EXPORT int not_a_plugin_entry(void);
PW_EXPORT int not_a_plugin_entry(void)
{
	return 42;
}
