/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_layout_dpdk.c - sluice's wire formats against DPDK's own headers,
 * and the shared headers compiling together with DPDK's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include <sluice/hash.h>
#include <sluice/parse.h>
#include <sluice/sched.h>

static void
test_against_dpdk(void **state)
{
	assert_int_equal(sizeof(struct sl_ethhdr), sizeof(struct rte_ether_hdr));
	assert_int_equal(offsetof(struct sl_ethhdr, proto_be), offsetof(struct rte_ether_hdr, ether_type));
	assert_int_equal(sizeof(struct sl_vlanhdr), sizeof(struct rte_vlan_hdr));
	assert_int_equal(sizeof(struct sl_ip4hdr), sizeof(struct rte_ipv4_hdr));
	assert_int_equal(offsetof(struct sl_ip4hdr, tot_len_be), offsetof(struct rte_ipv4_hdr, total_length));
	assert_int_equal(offsetof(struct sl_ip4hdr, frag_off_be), offsetof(struct rte_ipv4_hdr, fragment_offset));
	assert_int_equal(offsetof(struct sl_ip4hdr, proto), offsetof(struct rte_ipv4_hdr, next_proto_id));
	assert_int_equal(offsetof(struct sl_ip4hdr, check), offsetof(struct rte_ipv4_hdr, hdr_checksum));
	assert_int_equal(offsetof(struct sl_ip4hdr, saddr), offsetof(struct rte_ipv4_hdr, src_addr));
	assert_int_equal(offsetof(struct sl_ip4hdr, daddr), offsetof(struct rte_ipv4_hdr, dst_addr));
	assert_int_equal(sizeof(struct sl_ip6hdr), sizeof(struct rte_ipv6_hdr));
	assert_int_equal(offsetof(struct sl_ip6hdr, payload_len_be), offsetof(struct rte_ipv6_hdr, payload_len));
	assert_int_equal(offsetof(struct sl_ip6hdr, nexthdr), offsetof(struct rte_ipv6_hdr, proto));
	assert_int_equal(offsetof(struct sl_ip6hdr, saddr), offsetof(struct rte_ipv6_hdr, src_addr));
	assert_int_equal(offsetof(struct sl_ip6hdr, daddr), offsetof(struct rte_ipv6_hdr, dst_addr));
	assert_int_equal(sizeof(struct sl_tcphdr), sizeof(struct rte_tcp_hdr));
	assert_int_equal(offsetof(struct sl_tcphdr, flags), offsetof(struct rte_tcp_hdr, tcp_flags));
	assert_int_equal(offsetof(struct sl_tcphdr, check), offsetof(struct rte_tcp_hdr, cksum));
	assert_int_equal(sizeof(struct sl_udphdr), sizeof(struct rte_udp_hdr));
	assert_int_equal(offsetof(struct sl_udphdr, check), offsetof(struct rte_udp_hdr, dgram_cksum));
	assert_int_equal(sizeof(struct sl_icmphdr), sizeof(struct rte_icmp_hdr));
	assert_int_equal(SL_ETH_P_IPV6, RTE_ETHER_TYPE_IPV6);
	assert_int_equal(SL_ETH_P_8021AD, RTE_ETHER_TYPE_QINQ);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_against_dpdk),
	};

	return cmocka_run_group_tests_name("layout-dpdk", tests, NULL, NULL);
}
