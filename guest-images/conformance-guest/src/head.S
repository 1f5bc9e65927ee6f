/*
 * Entry code of the protected-mode image, linked at 0x100000.
 *
 *   offset 0x000  32-bit entry (boot protocol: protected mode, flat
 *                 segments, paging off, ESI = boot_params).  Reached from
 *                 our own real-mode setup stub (QEMU, SeaBIOS, qboot) or
 *                 straight from a 32-bit loader (GRUB-like).
 *   offset 0x010  image info block read by tools/mkbzimage.c.
 *   offset 0x200  64-bit entry (boot protocol: long mode, identity-mapped
 *                 low memory, RSI = boot_params).  altovirt, StratoVirt and
 *                 Firecracker enter here.
 *
 * The 32-bit path builds the same page tables the 64-bit path builds,
 * enters long mode and falls into the 64-bit entry (which then skips the
 * page tables), so everything else after entry64 is shared.
 */
#include "layout.h"

        .section .head.text, "ax"

        .code32
        .globl _start
_start:
        jmp     start32

        .balign 16
image_info:                             /* offset 0x10, see mkbzimage.c */
        .ascii  "AVGI"
        .long   1                       /* layout version of this block */
        .long   _end - KERNEL_BASE      /* init_size: image plus .bss */
        .long   entry64 - _start        /* must be 0x200 */
        .long   _edata - KERNEL_BASE    /* bytes that must be in the file */

        .org    0x200
        .code64
        .globl  entry64
entry64:
        cli
        cld
        movq    %rsi, %r15              /* boot_params, kept across the setup */

        /* Zero .bss with plain moves: the emu runs this before anything. */
        movq    $__bss_start, %rdi
        movq    $__bss_end, %rcx
1:      cmpq    %rcx, %rdi
        jae     2f
        movq    $0, (%rdi)
        addq    $8, %rdi
        jmp     1b
2:
        movq    $boot_stack_top, %rsp
        xorl    %ebp, %ebp

        /* Our own tables map 4 GiB: the loader's map the first 1 GiB only,
         * and the virtio-mmio windows sit just below 4 GiB.  The 32-bit
         * path has built and loaded the same tables already. */
        cmpl    $64, boot_entry_path
        jne     3f
        call    build_page_tables
        movq    $pml4, %rax
        movq    %rax, %cr3
3:

        call    install_idt
        movq    %r15, %rdi
        call    kmain
4:      hlt
        jmp     4b

/* ------------------------------------------------------------------ */
/* 32-bit path (its own section so `make insns` lists 64-bit code only) */
/* ------------------------------------------------------------------ */
        .section .text32, "ax"
        .code32
start32:
        cli
        cld
        lgdt    gdt_desc
        movl    $BOOT_DS, %eax
        movl    %eax, %ds
        movl    %eax, %es
        movl    %eax, %fs
        movl    %eax, %gs
        movl    %eax, %ss

        /* Tell kmain which path ran: our real-mode stub leaves a magic in
         * EBX (the protocol says EBX is 0 from any other 32-bit loader). */
        movl    $32, boot_entry_path
        cmpl    $SETUP_STUB_MAGIC, %ebx
        jne     1f
        movl    $16, boot_entry_path
1:
        /* PML4: entry 0 -> PDPT, the rest empty. */
        movl    $pml4, %edi
        xorl    %eax, %eax
        movl    $1024, %ecx
        rep stosl
        movl    $(pdpt + PTE_P + PTE_W), pml4

        /* PDPT: entries 0..3 -> the four page directories. */
        movl    $pdpt, %edi
        movl    $1024, %ecx
        rep stosl
        movl    $(pd + PTE_P + PTE_W), pdpt
        movl    $(pd + 0x1000 + PTE_P + PTE_W), pdpt + 8
        movl    $(pd + 0x2000 + PTE_P + PTE_W), pdpt + 16
        movl    $(pd + 0x3000 + PTE_P + PTE_W), pdpt + 24

        /* PDs: 2048 identity 2 MiB pages; the top GiB is MMIO, uncached. */
        movl    $pd, %edi
        xorl    %ecx, %ecx              /* page index */
2:      movl    %ecx, %eax
        shll    $21, %eax
        orl     $(PTE_P + PTE_W + PTE_PS), %eax
        cmpl    $MMIO_FIRST_2M, %ecx
        jb      3f
        orl     $(PTE_PWT + PTE_PCD), %eax
3:      movl    %eax, (%edi)
        movl    $0, 4(%edi)
        addl    $8, %edi
        incl    %ecx
        cmpl    $2048, %ecx
        jb      2b

        movl    %cr4, %eax
        orl     $CR4_PAE, %eax
        movl    %eax, %cr4
        movl    $pml4, %eax
        movl    %eax, %cr3
        movl    $MSR_EFER, %ecx
        rdmsr
        orl     $EFER_LME, %eax
        wrmsr
        movl    %cr0, %eax
        orl     $(CR0_PG + CR0_PE), %eax
        movl    %eax, %cr0
        ljmp    $BOOT_CS64, $from32

        .code64
from32:
        movl    %esi, %esi              /* upper half is undefined after the switch */
        jmp     entry64

        .section .head.text, "ax"

/* ------------------------------------------------------------------ */
/* Exception stubs: each pushes (error code or 0, vector) and reports.  */
/* ------------------------------------------------------------------ */
        .macro  EXC vec, has_err
        .balign 16
exc_\vec:
        .if     \has_err == 0
        pushq   $0
        .endif
        pushq   $\vec
        jmp     exc_common
        .endm

        EXC 0,0;  EXC 1,0;  EXC 2,0;  EXC 3,0;  EXC 4,0;  EXC 5,0;  EXC 6,0;  EXC 7,0
        EXC 8,1;  EXC 9,0;  EXC 10,1; EXC 11,1; EXC 12,1; EXC 13,1; EXC 14,1; EXC 15,0
        EXC 16,0; EXC 17,1; EXC 18,0; EXC 19,0; EXC 20,0; EXC 21,1; EXC 22,0; EXC 23,0
        EXC 24,0; EXC 25,0; EXC 26,0; EXC 27,0; EXC 28,0; EXC 29,1; EXC 30,1; EXC 31,0

exc_common:
        movq    %rsp, %rdi              /* vector, error, rip, cs, rflags, rsp, ss */
        andq    $-16, %rsp
        call    exception_report        /* does not return */
5:      hlt
        jmp     5b

/* ------------------------------------------------------------------ */
/* Interrupt stubs (irq.c): count the vector, EOI to the local APIC.   */
/* ------------------------------------------------------------------ */
        .macro  IRQ vec
        .balign 16
        .globl  irq_\vec
irq_\vec:
        pushq   %rax
        lock incq irq_counts + 8 * \vec
        movabsq $0xfee000b0, %rax       /* LAPIC EOI */
        movl    $0, (%rax)
        popq    %rax
        iretq
        .endm

        IRQ 64; IRQ 65

        .section .rodata
        .balign 8
        .globl  exception_stubs
exception_stubs:
        .irp    v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
        .quad   exc_\v
        .endr

        .balign 8
gdt:
        .quad   0                       /* null */
        .quad   0x00CF9A000000FFFF      /* 0x08: 32-bit code, flat */
        .quad   0x00AF9A000000FFFF      /* 0x10: 64-bit code (the loader's selector too) */
        .quad   0x00CF92000000FFFF      /* 0x18: data, flat */
gdt_end:
gdt_desc:
        .word   gdt_end - gdt - 1
        .long   gdt

        .section .data
        .balign 4
        .globl  boot_entry_path
boot_entry_path:
        .long   64                      /* 64, or 32/16 when the paths above ran */

        .section .pgtables, "aw", @nobits
        .balign 4096
        .globl  pml4, pdpt, pd
pml4:   .skip   4096
pdpt:   .skip   4096
pd:     .skip   4 * 4096

        .section .bss
        .balign 16
boot_stack:
        .skip   BOOT_STACK_SIZE
        .globl  boot_stack_top
boot_stack_top:
