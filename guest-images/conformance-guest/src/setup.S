/*
 * The bzImage setup sectors: the boot sector's tail with the setup header
 * (Linux boot protocol 2.12, Documentation/arch/x86/boot.rst), then a small
 * real-mode stub.
 *
 * Loaders that use the 32- or 64-bit entry (GRUB-like, altovirt,
 * StratoVirt, Firecracker) only read the header.  BIOS-style loaders (QEMU's
 * linuxboot option ROM, qboot, SeaBIOS) jump to offset 0x200 in real mode
 * with CS = setup segment + 0x20; the stub then does what Linux's setup code
 * does for us: builds a zero page with the header and the BIOS e820 map,
 * enters protected mode and jumps to code32_start with ESI = zero page.
 *
 * Fields marked "patched" are filled in by tools/mkbzimage.c.
 */
#include "layout.h"

#define ZERO_PAGE        0x1000         /* offset of the zero page we build */
#define STACK_TOP        0x3000
#define HDR_START        0x1F1
#define HDR_END          0x268          /* end of the 2.12 header */
#define E820_ENTRIES     0x1E8
#define E820_TABLE       0x2D0
#define E820_MAX         128
#define SMAP             0x534D4150

        .code16
        .section .setup, "ax"
base:
        .org    0x1F1
        .byte   0                       /* setup_sects (patched) */
        .word   0                       /* root_flags */
        .long   0                       /* syssize, 16-byte units (patched) */
        .word   0                       /* ram_size */
        .word   0xFFFF                  /* vid_mode: normal */
        .word   0                       /* root_dev */
        .word   0xAA55                  /* boot_flag */

        .org    0x200
        .byte   0xEB, setup_code - (base + 0x202)   /* jmp short: header end */
        .ascii  "HdrS"
        .word   0x020C                  /* protocol 2.12 */
        .long   0                       /* realmode_swtch */
        .word   0x1000                  /* start_sys_seg (obsolete) */
        .word   version_string - (base + 0x200)     /* kernel_version */
        .byte   0                       /* type_of_loader (loader's) */
        .byte   0x01                    /* loadflags: LOADED_HIGH */
        .word   0x8000                  /* setup_move_size */
        .long   KERNEL_BASE             /* code32_start */
        .long   0                       /* ramdisk_image */
        .long   0                       /* ramdisk_size */
        .long   0                       /* bootsect_kludge */
        .word   0                       /* heap_end_ptr */
        .byte   0                       /* ext_loader_ver */
        .byte   0                       /* ext_loader_type */
        .long   0                       /* cmd_line_ptr (loader's) */
        .long   0x7FFFFFFF              /* initrd_addr_max */
        .long   0x1000                  /* kernel_alignment */
        .byte   0                       /* relocatable_kernel: no */
        .byte   12                      /* min_alignment: 4 KiB */
        .word   0x0001                  /* xloadflags: XLF_KERNEL_64 */
        .long   2047                    /* cmdline_size */
        .long   0                       /* hardware_subarch: PC */
        .quad   0                       /* hardware_subarch_data */
        .long   0                       /* payload_offset */
        .long   0                       /* payload_length */
        .quad   0                       /* setup_data (loader's) */
        .quad   KERNEL_BASE             /* pref_address */
        .long   0                       /* init_size (patched) */
        .long   0                       /* handover_offset: no EFI */

        .org    HDR_END
setup_code:
        cli
        cld
        movw    %cs, %ax
        subw    $0x20, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %ss
        movw    $STACK_TOP, %sp

        /* A fresh zero page: the header as the loader left it, nothing else. */
        movw    $ZERO_PAGE, %di
        xorw    %ax, %ax
        movw    $2048, %cx
        rep stosw
        movw    $HDR_START, %si
        movw    $(ZERO_PAGE + HDR_START), %di
        movw    $(HDR_END - HDR_START), %cx
        rep movsb

        /* BIOS e820 (INT 15h, AX=E820h), as Linux's setup code collects it. */
        xorl    %ebx, %ebx
        movw    $(ZERO_PAGE + E820_TABLE), %di
1:      movl    $0xE820, %eax
        movl    $SMAP, %edx
        movl    $20, %ecx
        pushw   %di
        int     $0x15
        popw    %di
        jc      2f
        cmpl    $SMAP, %eax
        jne     2f
        movl    8(%di), %eax            /* some BIOSes end with an empty entry */
        orl     12(%di), %eax
        jz      3f
        incb    ZERO_PAGE + E820_ENTRIES
        addw    $20, %di
        cmpb    $E820_MAX, ZERO_PAGE + E820_ENTRIES
        jae     2f
3:      testl   %ebx, %ebx
        jnz     1b
2:
        /* Linear addresses: zero page for ESI, and the GDT's base. */
        xorl    %eax, %eax
        movw    %ds, %ax
        shll    $4, %eax
        leal    ZERO_PAGE(%eax), %esi
        addl    %eax, gdt_desc + 2
        lgdtl   gdt_desc

        /* Far return target (pushed while SS is still the real-mode one). */
        pushl   $0x10
        pushl   ZERO_PAGE + 0x214       /* code32_start */

        movl    %cr0, %eax
        orl     $CR0_PE, %eax
        movl    %eax, %cr0
        movw    $BOOT_DS, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %fs
        movw    %ax, %gs
        movl    $SETUP_STUB_MAGIC, %ebx
        xorl    %ebp, %ebp
        xorl    %edi, %edi
        lretl                           /* to code32_start, CS = 0x10 */

        .balign 8
gdt:
        .quad   0
        .quad   0
        .quad   0x00CF9A000000FFFF      /* 0x10: 32-bit code, flat */
        .quad   0x00CF92000000FFFF      /* 0x18: data, flat */
gdt_end:
gdt_desc:
        .word   gdt_end - gdt - 1
        .long   gdt - base              /* made linear at run time */

version_string:
        .asciz  "altovirt conformance guest " GUEST_VERSION
