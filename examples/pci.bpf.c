// SPDX-License-Identifier: MIT
/*
 * Reads of PCI configuration space from user space (sysfs config files, lspci), counted by
 * the device's vendor, device, class and subclass; the exporter names them from pci.ids.
 *
 * pci_user_read_config_{byte,word,dword}() have no tracepoints, so they are kprobes.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "maps.bpf.h"

/* Distinct devices read; the least recently counted are evicted first. */
#define MAX_DEVICES 128

/*
 * Keep in sync with pci.yaml's labels: vendor (4), device (4, vendor << 16 | device for the
 * pci_device decoder), class (1 + a zero byte, read as 2), subclass (2, class << 8 | subclass
 * for the pci_subclass decoder).
 */
struct pci_key {
	u32 vendor;
	u32 device;
	u8 class;
	u8 pad;
	u16 subclass;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_DEVICES);
	__type(key, struct pci_key);
	__type(value, u64);
} pci_user_read_config_ops_total SEC(".maps");

static __always_inline int count_read(struct pci_dev *dev)
{
	u16 vendor = BPF_CORE_READ(dev, vendor);
	u16 device = BPF_CORE_READ(dev, device);
	/* dev->class is base class << 16 | subclass << 8 | programming interface. */
	u32 class = BPF_CORE_READ(dev, class);
	struct pci_key key = {};

	key.vendor = vendor;
	key.device = ((u32)vendor << 16) | device;
	key.class = class >> 16;
	key.subclass = class >> 8;
	return increment_map(&pci_user_read_config_ops_total, &key, 1);
}

SEC("kprobe/pci_user_read_config_byte")
int BPF_KPROBE(pci_user_read_config_byte, struct pci_dev *dev)
{
	return count_read(dev);
}

SEC("kprobe/pci_user_read_config_word")
int BPF_KPROBE(pci_user_read_config_word, struct pci_dev *dev)
{
	return count_read(dev);
}

SEC("kprobe/pci_user_read_config_dword")
int BPF_KPROBE(pci_user_read_config_dword, struct pci_dev *dev)
{
	return count_read(dev);
}

char LICENSE[] SEC("license") = "GPL";
