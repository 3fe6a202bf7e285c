/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluiced - the sluice daemon, with the engines this build has. Each
 * engine's library is linked in by the top-level meson.build, which also
 * defines SLUICE_HAVE_<ENGINE>.
 */
#include <stddef.h>

#include "engine.h"

#ifdef SLUICE_HAVE_XDP
#include "xdp_engine.h"
#endif
#ifdef SLUICE_HAVE_DPDK
#include "engine_dpdk.h"
#endif

static const struct sl_engine_factory engines[] = {
#ifdef SLUICE_HAVE_DPDK
	{"dpdk", "DPDK on the ports that the EAL arguments after '--' give", sl_dpdk_engine_create},
#endif
#ifdef SLUICE_HAVE_XDP
	{"xdp", "XDP (libbpf) on --iface IF[,IF...], native or generic mode", sl_xdp_engine_create},
#endif
	{NULL, NULL, NULL},
};

int
main(int argc, char **argv)
{
	return sl_main(argc, argv, engines, sizeof(engines) / sizeof(engines[0]) - 1);
}
