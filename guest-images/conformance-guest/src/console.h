/*
 * The 8250 UART at 0x3F8, driven by polling (no interrupts), and the
 * console built on it: formatted output, line input with echo, and the
 * tick counter that advances while the console waits for input.
 */
#ifndef CONSOLE_H
#define CONSOLE_H

#include <stddef.h>
#include <stdint.h>

void uart_init(void);
void console_putc(char c);                 /* '\n' goes out as CR LF */
void console_puts(const char *s);

/* printf subset: %s %c %d %i %u %x %X %p %%, flags '0' and '-', a width,
 * length modifiers l, ll, z (all of them mean 64 bits). */
/* Called now and then while the console waits for input (the balloon follows its target). */
void console_set_idle(void (*fn)(void));

void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reads one line (echoing it, with backspace editing) into buf, without
 * the line end; returns its length.  Ctrl-C abandons the line. */
size_t console_readline(char *buf, size_t cap);

/* Iterations of the input poll loop so far: only advances while the vCPU
 * runs the guest, never while the VM is paused. */
uint64_t console_ticks(void);

#endif
