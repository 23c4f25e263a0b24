/* cmd.h — subcommand entry points (argv[0] is the command name). */
#ifndef NW_CMD_H
#define NW_CMD_H

int cmd_once(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_forget(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_import_opml(int argc, char **argv);
int cmd_export_opml(int argc, char **argv);
int cmd_match(int argc, char **argv);
int cmd_test_alert(int argc, char **argv);
int cmd_outbox(int argc, char **argv);
int cmd_parse(int argc, char **argv);

#endif
