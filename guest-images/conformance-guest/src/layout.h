/*
 * Constants shared by the assembly entry code and the C kernel.
 */
#ifndef LAYOUT_H
#define LAYOUT_H

#define GUEST_VERSION     "1.0"

#define KERNEL_BASE       0x100000      /* protected-mode image load address */
#define BOOT_STACK_SIZE   0x4000

/* Selectors: the same as the 64-bit boot protocol's GDT (docs/facts.md §4). */
#define BOOT_CS64         0x10
#define BOOT_DS           0x18

/* Left in EBX by setup.S so the kernel can say it came through it. */
#define SETUP_STUB_MAGIC  0x36316d72    /* "rm16" */

/* Page-table entry bits. */
#define PTE_P             0x001
#define PTE_W             0x002
#define PTE_PWT           0x008
#define PTE_PCD           0x010
#define PTE_PS            0x080

/* 2 MiB pages from 3 GiB up are MMIO (virtio-mmio, IOAPIC, LAPIC): uncached. */
#define MMIO_FIRST_2M     1536

#define CR0_PE            0x00000001
#define CR0_PG            0x80000000
#define CR4_PAE           0x00000020
#define MSR_EFER          0xC0000080
#define EFER_LME          0x00000100

#endif
