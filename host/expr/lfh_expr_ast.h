/*
 * lfh_expr_ast — the engine's internals shared by its modules: tokens, the syntax tree,
 * the compiled plan, casts and LIKE patterns. Not for use outside host/expr.
 *
 * Pipeline: lfh_expr_lex (text → tokens) → lfh_expr_parse (tokens → tree, with
 * BETWEEN, simple CASE and IS DISTINCT FROM already rewritten into plain nodes) →
 * lfh_expr_check (names, types, implicit casts, constant folding) → lfh_expr_compile
 * (tree → flat list of vector operations) → lfh_expr_eval (runs the list per slice).
 * Every tree node, constant and plan array lives in the expression's permanent arena.
 */
#ifndef LFH_EXPR_AST_H
#define LFH_EXPR_AST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "expr/lfh_expr_vec.h"

/* Deepest tree the engine accepts: every later pass recurses over the tree, so this
 * bounds their stack use whatever the input. */
#define LFH_EXPR_MAX_DEPTH 256
/* Rows per evaluation slice: small enough that a slice's intermediates stay in L2. */
#define LFH_EXPR_SLICE 4096
/* Deepest struct nesting a column path may have. */
#define LFH_EXPR_MAX_PATH 32

/* Arrow column kinds that are not values of the engine, for checks and messages. */
#define LFH_TYPE_STRUCT 100u
#define LFH_TYPE_LIST 101u      /* a list whose items are not strings */
#define LFH_TYPE_MAP 102u
#define LFH_TYPE_UNSUPPORTED 103u

/* ------------------------------------------------------------ tokens */

typedef enum lfh_tok_kind {
  LFH_T_EOF = 0,
  LFH_T_IDENT,   /* plain identifier (text as written) */
  LFH_T_QIDENT,  /* `backquoted` identifier (text unescaped in sval) */
  LFH_T_INT,     /* integer literal that fits BIGINT (ival) */
  LFH_T_DOUBLE,  /* decimal/exponent literal, or an integer too big for BIGINT (dval) */
  LFH_T_STRING,  /* string literal (unescaped in sval/slen) */
  LFH_T_OP       /* punctuation/operator: op holds one of the LFH_OPC_* codes */
} lfh_tok_kind;

typedef enum lfh_opc {
  LFH_OPC_LPAREN = 1, LFH_OPC_RPAREN, LFH_OPC_COMMA, LFH_OPC_DOT,
  LFH_OPC_PLUS, LFH_OPC_MINUS, LFH_OPC_STAR, LFH_OPC_SLASH, LFH_OPC_PERCENT, LFH_OPC_CONCAT,
  LFH_OPC_EQ, LFH_OPC_NE, LFH_OPC_LT, LFH_OPC_LE, LFH_OPC_GT, LFH_OPC_GE, LFH_OPC_NSEQ,
  LFH_OPC_BANG
} lfh_opc;

typedef struct lfh_token {
  lfh_tok_kind kind;
  int op;             /* LFH_T_OP */
  size_t off, len;    /* where the token is in the text */
  int64_t ival;
  double dval;
  int big;            /* LFH_T_DOUBLE from exactly 9223372036854775808: -big is BIGINT */
  char *sval;         /* unescaped string or identifier, NUL-terminated, in the arena */
  size_t slen;
} lfh_token;

/* ------------------------------------------------------------ tree */

typedef enum lfh_xnode_kind {
  LFH_N_CONST = 1, /* val (is_const vector) */
  LFH_N_COL,       /* parts[0..nparts) */
  LFH_N_NEG,       /* unary minus */
  LFH_N_ARITH,     /* op: LFH_OPC_PLUS .. LFH_OPC_PERCENT */
  LFH_N_CONCAT,    /* || */
  LFH_N_CMP,       /* op: LFH_OPC_EQ .. LFH_OPC_NSEQ */
  LFH_N_AND,
  LFH_N_OR,
  LFH_N_NOT,
  LFH_N_ISNULL,    /* neg: IS NOT NULL */
  LFH_N_ISBOOL,    /* IS [NOT] TRUE/FALSE: truth = the value tested, neg */
  LFH_N_IN,        /* kids[0] IN kids[1..]; neg */
  LFH_N_LIKE,      /* kids[0] LIKE kids[1]; neg; escape */
  LFH_N_CASE,      /* kids: cond, value, cond, value, ..., [else] */
  LFH_N_CAST,      /* to */
  LFH_N_COALESCE,
  LFH_N_FUNC       /* fn */
} lfh_xnode_kind;

typedef struct lfh_name_part {
  const char *s;   /* NUL-terminated, in the arena */
  size_t len;
  size_t off;      /* position of the part in the text */
} lfh_name_part;

typedef struct lfh_xnode {
  int kind;
  int op;
  int neg;
  int has_else;     /* CASE */
  int truth;        /* ISBOOL: 1 for IS TRUE, 0 for IS FALSE */
  int try_cast;     /* CAST written as try_cast (same semantics here) */
  char escape;      /* LIKE: the escape character */
  uint32_t type;    /* set by lfh_expr_check */
  uint32_t to;      /* CAST target */
  int nullable;     /* set by lfh_expr_check: can the value be NULL */
  int checked;      /* lfh_expr_check visited it (the tree may share a node) */
  int depth;        /* height of the subtree, bounded by LFH_EXPR_MAX_DEPTH */
  size_t off;       /* position for messages */
  struct lfh_xnode **kids;
  int nkids;
  lfh_vec val;                 /* CONST */
  lfh_name_part *parts;        /* COL */
  int nparts;
  int col;                     /* COL: index into the expression's column table */
  const char *fname;           /* FUNC: name as written */
  size_t fname_len;
  const lfh_func *fn;          /* FUNC */
  lfh_func_sig sig;            /* FUNC: from resolve (prep owned by the plan once built) */
  int slot;                    /* plan slot, -1 before compile */
} lfh_xnode;

/* ------------------------------------------------------------ errors */

/* Something the compiled expression must free with itself (prepared LIKE patterns,
 * functions' prep state). */
typedef struct lfh_owned {
  void *p;
  void (*free)(void *p);
} lfh_owned;

/* The context every compile pass shares: the text (for positions) and where errors go. */
typedef struct lfh_cctx {
  const char *text;
  size_t len;
  lfh_arena *arena;   /* the expression's permanent arena */
  lf_error *err;
  lfh_expr_pos *pos;
  lfh_owned *owned;   /* malloc'd; freed (with each entry) by lfh_cctx_release */
  size_t nowned, capowned;
} lfh_cctx;

/* Registers p to be freed with the expression; on failure frees it at once and returns
 * LF_ERR_NOMEM. */
int lfh_cctx_own(lfh_cctx *c, void *p, void (*fr)(void *p));
void lfh_cctx_release(lfh_cctx *c);

/* Formats `fmt` + " at L:C" + `suffix` (may be NULL) into the error, fills the position
 * and returns `code`. */
int lfh_cerr(lfh_cctx *c, int code, size_t off, const char *suffix, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void lfh_expr_offset_pos(const char *text, size_t len, size_t off, lfh_expr_pos *pos);

/* ------------------------------------------------------------ lexer and parser */

typedef struct lfh_lexer {
  lfh_cctx *c;
  size_t at;          /* next byte to read */
  lfh_token tok;      /* the current token */
} lfh_lexer;

/* Reads the next token into lx->tok. LF_OK or an error with position. */
int lfh_lex_next(lfh_lexer *lx);
/* 1 when the current token is the identifier `kw` (case-insensitive, not backquoted). */
int lfh_lex_is_kw(const lfh_lexer *lx, const char *kw);

/* Parses the whole text into a tree in c->arena. LF_OK with *out, or an error. */
int lfh_expr_parse(lfh_cctx *c, lfh_xnode **out);

/* New nodes in the arena (NULL when out of memory). */
lfh_xnode *lfh_xnode_new(lfh_cctx *c, int kind, size_t off, int nkids);
lfh_xnode *lfh_xnode_const(lfh_cctx *c, uint32_t type, size_t off);
/* A STRING/BINARY constant holding a copy of p[0..n). */
int lfh_const_set_str(lfh_cctx *c, lfh_xnode *n, uint32_t type, const char *p, size_t len);

/* ------------------------------------------------------------ checking */

struct lfh_op;
typedef struct lfh_op lfh_op;

/* Where column references resolve. */
typedef struct lfh_colref {
  int depth;                       /* path length */
  int idx[LFH_EXPR_MAX_PATH];      /* child index at each level */
  const char *fmt;                 /* the leaf's Arrow format */
  uint32_t type;
  char *path;                      /* dotted, schema spelling; in the arena */
} lfh_colref;

typedef struct lfh_check {
  lfh_cctx *c;
  const struct ArrowSchema *schema;
  lfh_colref *cols;     /* in the arena, grown by doubling */
  int ncols, capcols;
} lfh_check;

/* Resolves names and types over the tree, inserting casts and folding constants; *root
 * may be replaced. */
int lfh_expr_check(lfh_check *k, lfh_xnode **root);
/* Builds the operation for a typed node (everything but args/out), preparing a constant
 * LIKE pattern or IN list; used by the compiler and by constant folding. */
int lfh_plan_op(lfh_cctx *c, const lfh_xnode *n, lfh_op *op);
/* Checks function names and argument counts only (lfh_expr_check_syntax). */
int lfh_expr_check_names(lfh_cctx *c, lfh_xnode *n);
/* Spark's name of an lfh_type in messages, also for Arrow formats it cannot use. */
uint32_t lfh_type_of_format(const char *fmt);

/* ------------------------------------------------------------ plan */

typedef enum lfh_op_kind {
  LFH_OP_CAST = 1, LFH_OP_NEG, LFH_OP_ARITH, LFH_OP_CONCAT, LFH_OP_CMP, LFH_OP_AND,
  LFH_OP_OR, LFH_OP_NOT, LFH_OP_ISNULL, LFH_OP_ISBOOL, LFH_OP_IN, LFH_OP_LIKE, LFH_OP_CASE,
  LFH_OP_COALESCE, LFH_OP_FUNC
} lfh_op_kind;

struct lfh_like;

struct lfh_op {
  int kind;
  int op;              /* ARITH/CMP: the operator */
  int neg;
  int truth;           /* ISBOOL */
  uint32_t type;       /* result type */
  uint32_t atype;      /* type of the first argument */
  int out;             /* slot written */
  int *args;           /* slots read */
  int nargs;
  lfh_vec set;         /* IN: the constant list as one vector of `set.len` values */
  int set_has_null;    /* IN: the list holds a NULL */
  struct lfh_like *like; /* LIKE with a constant pattern (NULL: per-row pattern) */
  char escape;
  const lfh_func *fn;
  const lfh_func_sig *sig; /* FUNC: the node's (prep owned by the expression) */
};

/* The evaluation of one slice: slots hold every node's vector. */
typedef struct lfh_run {
  lfh_arena *arena;
  lfh_vec *slots;
  int64_t rows;
  int64_t now_us;
  lf_error *err;
} lfh_run;

/* Runs one operation over run->rows rows into slots[op->out]. */
int lfh_op_run(lfh_run *run, const lfh_op *op);

/* Kernels by module (each fills *out with `rows` rows). */
int lfh_ops_arith(lfh_run *run, const lfh_op *op, const lfh_vec *a, const lfh_vec *b, lfh_vec *out);
int lfh_ops_neg(lfh_run *run, const lfh_vec *a, lfh_vec *out);
int lfh_ops_cmp(lfh_run *run, const lfh_op *op, const lfh_vec *a, const lfh_vec *b, lfh_vec *out);
int lfh_ops_logic(lfh_run *run, const lfh_op *op, lfh_vec *out);
int lfh_ops_in(lfh_run *run, const lfh_op *op, const lfh_vec *a, lfh_vec *out);
int lfh_ops_pick(lfh_run *run, const lfh_op *op, lfh_vec *out); /* CASE, COALESCE */
int lfh_ops_concat(lfh_run *run, const lfh_vec *a, const lfh_vec *b, lfh_vec *out);

/* Validity of a result from its inputs' (may be NULL = all valid): shares a pointer when
 * only one input has nulls, else ANDs them into the arena. NULL *out = all valid. */
int lfh_valid_and(lfh_arena *a, const lfh_vec *x, const lfh_vec *y, int64_t rows, uint8_t **out);
/* The validity bytes of v expanded to `rows` rows (for a constant: all one value). NULL
 * means all valid. */
int lfh_valid_rows(lfh_arena *a, const lfh_vec *v, int64_t rows, uint8_t **out);

/* ------------------------------------------------------------ the expression */

struct lfh_expr {
  lfh_cctx cctx;        /* what the expression owns besides its arenas (cctx.owned) */
  lfh_arena *perm;      /* tree, constants, plan arguments: lives as long as the expression */
  lfh_arena *scratch;   /* one slice's vectors: reset per slice */
  lfh_op *ops;          /* malloc'd, nops long, in evaluation order */
  int nops;
  lfh_vec *slots;       /* malloc'd; constant slots filled at compile time */
  int nslots;
  int result_slot;
  lfh_colref *cols;     /* in perm */
  int ncols;
  int *colslot;         /* the slot column i is loaded into */
  uint32_t type;
  int nullable;
};

/* ------------------------------------------------------------ casts */

/* 1 when CAST(from AS to) is allowed (also for implicit casts). */
int lfh_cast_ok(uint32_t from, uint32_t to);
/* Casts `rows` rows (or a constant) of `in` to `to`; failures become NULL rows. */
int lfh_cast_vec(lfh_arena *a, const lfh_vec *in, uint32_t to, int64_t rows, lfh_vec *out);
/* Spark's string → timestamp/date conversion (UTC). 0 on success, -1 when not a valid
 * value. */
int lfh_parse_timestamp(const char *s, size_t n, int64_t *us);
int lfh_parse_date(const char *s, size_t n, int32_t *days);
/* Writes Spark's text for a timestamp ("2024-01-01 10:00:00.5") / date / double into buf
 * (at least 64 bytes); returns the length. */
size_t lfh_format_timestamp(int64_t us, char *buf);
size_t lfh_format_date(int32_t days, char *buf);
size_t lfh_format_double(double d, char *buf);

/* ------------------------------------------------------------ LIKE */

typedef struct lfh_like lfh_like;
/* Prepares pattern p[0..n) with escape character `esc`; NULL when out of memory. A
 * malformed pattern (escape at the end) sets *bad. */
lfh_like *lfh_like_new(const char *p, size_t n, char esc, int *bad);
void lfh_like_free(lfh_like *l);
int lfh_like_match(const lfh_like *l, const char *s, size_t n);
/* Matches without preparing (a pattern that differs per row). -1: malformed pattern. */
int lfh_like_match_raw(const char *p, size_t pn, char esc, const char *s, size_t n);
/* Runs LIKE over a string vector with a prepared pattern, or per-row patterns. */
int lfh_ops_like(lfh_run *run, const lfh_op *op, const lfh_vec *s, const lfh_vec *p, lfh_vec *out);

/* ------------------------------------------------------------ Arrow */

/* Loads `rows` rows from row `start` of the batch's column `ref` into *out (zero-copy
 * where it can). */
int lfh_arrow_load(lfh_arena *a, const struct ArrowArray *batch, const lfh_colref *ref,
                   int64_t start, int64_t rows, lfh_vec *out, lf_error *err);
/* Checks that the batch has the shape the column table expects. */
int lfh_arrow_check_batch(const struct ArrowArray *batch, const lfh_colref *cols, int ncols,
                          lf_error *err);
/* The Arrow format of an lfh_type. */
const char *lfh_type_format(uint32_t type);

/* A result being assembled slice by slice into an Arrow array. */
typedef struct lfh_arrow_out lfh_arrow_out;
lfh_arrow_out *lfh_arrow_out_new(uint32_t type, int64_t rows);
int lfh_arrow_out_append(lfh_arrow_out *o, const lfh_vec *v, int64_t rows);
/* Moves the result into *out (consumes o on success and failure). */
int lfh_arrow_out_finish(lfh_arrow_out *o, struct ArrowArray *out, lf_error *err);
void lfh_arrow_out_free(lfh_arrow_out *o);

#endif
