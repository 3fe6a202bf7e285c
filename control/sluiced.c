/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluiced - the sluice daemon, with the engines this build has.
 */
#include <stddef.h>

#include "engine.h"

static const struct sl_engine_factory engines[] = {
	/* the DPDK and XDP engines register here as they land */
	{NULL, NULL, NULL},
};

int
main(int argc, char **argv)
{
	return sl_main(argc, argv, engines, 0);
}
