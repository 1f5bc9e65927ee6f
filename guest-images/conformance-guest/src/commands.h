/*
 * The console's command table.  To add a command: write
 * `void cmd_x(int argc, char **argv)`, declare it here and add a row to
 * the table in commands.c.  argv[0] is the command name; the console has
 * split the line at spaces.  A command prints its result lines and, on
 * failure, one line that starts with "error: ".
 */
#ifndef COMMANDS_H
#define COMMANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct command {
    const char *name;
    const char *usage;
    const char *help;
    void (*run)(int argc, char **argv);
};

/* Runs one input line. */
void run_command_line(char *line);

/* For commands with subcommands (`blk read ...`): argv[1] picks the row. */
void dispatch_subcommand(const char *group, const struct command *table, size_t n,
                         int argc, char **argv);

void cmd_blk(int argc, char **argv);                 /* blk.c */
int blk_name_of(int transport_index, char name[4]);  /* blk.c: "vda"... */
void cmd_balloon(int argc, char **argv);             /* balloon.c */
void cmd_mem(int argc, char **argv);                 /* balloon.c */
void cmd_net(int argc, char **argv);                 /* net.c */
void cmd_irq(int argc, char **argv);                 /* irq.c */
void cmd_acpi(int argc, char **argv);                /* acpi.c */
bool blk_read_once(const char *name, uint32_t *irq); /* blk.c: one request, for irq.c */
void idt_set(int vector, uint64_t handler);          /* main.c */
void balloon_init(void);                             /* balloon.c: starts the driver */
void balloon_poll(void);                             /* balloon.c: follows the target */

#endif
