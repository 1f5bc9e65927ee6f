#include "console.h"

#include <stdarg.h>
#include <stdbool.h>

#include "io.h"

#define COM1      0x3F8
#define UART_RBR  0   /* receive buffer (read) */
#define UART_THR  0   /* transmit holding (write) */
#define UART_IER  1
#define UART_FCR  2
#define UART_LCR  3
#define UART_MCR  4
#define UART_LSR  5
#define LSR_DR    0x01
#define LSR_THRE  0x20

/* Bounded so that a machine without a UART still boots (and stays quiet). */
#define THRE_SPINS 100000

static uint64_t ticks;
static void (*idle)(void);

void console_set_idle(void (*fn)(void))
{
    idle = fn;
}

void uart_init(void)
{
    outb(COM1 + UART_IER, 0x00);          /* no interrupts: we poll */
    outb(COM1 + UART_LCR, 0x80);          /* DLAB to set the divisor */
    outb(COM1 + UART_THR, 0x01);          /* 115200 baud */
    outb(COM1 + UART_IER, 0x00);
    outb(COM1 + UART_LCR, 0x03);          /* 8N1 */
    outb(COM1 + UART_FCR, 0x07);          /* FIFOs on and cleared */
    outb(COM1 + UART_MCR, 0x03);          /* DTR, RTS; OUT2 off: no IRQ */
}

static void uart_write(uint8_t c)
{
    for (int i = 0; i < THRE_SPINS; i++)
        if (inb(COM1 + UART_LSR) & LSR_THRE)
            break;
    outb(COM1 + UART_THR, c);
}

void console_putc(char c)
{
    if (c == '\n')
        uart_write('\r');
    uart_write((uint8_t)c);
}

void console_puts(const char *s)
{
    while (*s)
        console_putc(*s++);
}

static uint8_t uart_read(void)
{
    while (!(inb(COM1 + UART_LSR) & LSR_DR)) {
        ticks++;
        if ((ticks & 0x3FFF) == 0 && idle)   /* now and then, while waiting for input */
            idle();
    }
    return inb(COM1 + UART_RBR);
}

uint64_t console_ticks(void)
{
    return ticks;
}

size_t console_readline(char *buf, size_t cap)
{
    static bool last_was_cr;
    size_t len = 0;
    for (;;) {
        uint8_t c = uart_read();
        if (c == '\n' && last_was_cr) {   /* CR LF is one line end */
            last_was_cr = false;
            continue;
        }
        last_was_cr = c == '\r';
        if (c == '\r' || c == '\n') {
            console_putc('\n');
            buf[len] = '\0';
            return len;
        }
        if (c == 0x08 || c == 0x7F) {     /* backspace, DEL */
            if (len > 0) {
                len--;
                console_puts("\b \b");
            }
        } else if (c == 0x03) {           /* Ctrl-C */
            console_puts("^C\n");
            buf[0] = '\0';
            return 0;
        } else if (c >= 0x20 && c < 0x7F && len + 1 < cap) {
            buf[len++] = (char)c;
            console_putc((char)c);
        }
    }
}

/* ---- kprintf ---- */

static void put_padded(const char *s, size_t n, int width, bool left, char pad)
{
    int fill = width > (int)n ? width - (int)n : 0;
    if (!left)
        while (fill-- > 0)
            console_putc(pad);
    while (n--)
        console_putc(*s++);
    if (left)
        while (fill-- > 0)
            console_putc(' ');
}

static void put_number(uint64_t v, unsigned base, bool upper, bool negative,
                       int width, bool left, char pad)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    size_t n = 0;
    do {
        tmp[sizeof(tmp) - 1 - n++] = digits[v % base];
        v /= base;
    } while (v);
    if (negative) {
        if (pad == '0' && width > 0) {    /* sign before the zeros */
            console_putc('-');
            width--;
        } else {
            tmp[sizeof(tmp) - 1 - n++] = '-';
        }
    }
    put_padded(tmp + sizeof(tmp) - n, n, width, left, pad);
}

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            console_putc(*p);
            continue;
        }
        p++;
        bool left = false;
        char pad = ' ';
        for (;; p++) {
            if (*p == '-')
                left = true;
            else if (*p == '0')
                pad = '0';
            else
                break;
        }
        int width = 0;
        while (*p >= '0' && *p <= '9')
            width = width * 10 + (*p++ - '0');
        bool wide = false;
        while (*p == 'l' || *p == 'z') {
            wide = true;
            p++;
        }
        switch (*p) {
        case 'd':
        case 'i': {
            int64_t v = wide ? va_arg(ap, int64_t) : va_arg(ap, int);
            uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
            put_number(mag, 10, false, v < 0, width, left, pad);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            uint64_t v = wide ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
            put_number(v, *p == 'u' ? 10 : 16, *p == 'X', false, width, left, pad);
            break;
        }
        case 'p':
            console_puts("0x");
            put_number((uint64_t)(uintptr_t)va_arg(ap, void *), 16, false, false,
                       width, left, pad);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            size_t n = 0;
            while (s[n])
                n++;
            put_padded(s, n, width, left, ' ');
            break;
        }
        case 'c':
            console_putc((char)va_arg(ap, int));
            break;
        case '%':
            console_putc('%');
            break;
        case '\0':
            p--;
            break;
        default:
            console_putc('%');
            console_putc(*p);
        }
    }
    va_end(ap);
}
