/* lfh_cli_args — option values several commands parse the same way. */
#ifndef LFH_CLI_ARGS_H
#define LFH_CLI_ARGS_H

/* `--limit N`: a decimal number >= 0 into *out. 0, or 2 (a usage error) after printing
 * "Error: --limit expects a number >= 0, got '<s>'" on stderr. */
int lfh_cli_parse_limit(const char *s, long *out);

#endif
