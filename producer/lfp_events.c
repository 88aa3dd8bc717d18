/*
 * lfp_events — the simulation behind the clickstream events (see lfp_events.h).
 *
 * Lines are written field by field with lfp_json into the caller's buffer. Reference
 * data (countries, devices, campaigns, ...) are small static tables; products are
 * numbers whose name, category and price are derived from the number, so a SKU always
 * has the same price without a catalogue in memory.
 */
#include "lfp_events.h"

#include <stdlib.h>
#include <string.h>

#include "lf/lf_array.h"
#include "lfp_json.h"
#include "lfp_rng.h"

#define N_SESSIONS 48     /* concurrently active sessions the events interleave */
#define DUP_RING 64       /* recent well-formed lines a duplicate is taken from */
#define N_PRODUCTS 5000
#define ANONYMOUS UINT32_MAX

const char *const lfp_event_types[] = {"page_view", "click", "add_to_cart", "checkout",
                                       "purchase", "signup", "login", "profile_update",
                                       "plan_change", "account_deleted", NULL};
enum { EV_PAGE_VIEW, EV_CLICK, EV_ADD_TO_CART, EV_CHECKOUT, EV_PURCHASE, EV_SIGNUP,
       EV_LOGIN, EV_PROFILE_UPDATE, EV_PLAN_CHANGE, EV_ACCOUNT_DELETED, EV_END };

typedef struct country {
  const char *code, *currency, *domain;
  const char *region[2], *city[2];
} country;

static const country k_countries[] = {
    {"US", "USD", "example.com", {"CA", "NY"}, {"San Francisco", "New York"}},
    {"US", "USD", "example.com", {"TX", "WA"}, {"Austin", "Seattle"}},
    {"GB", "GBP", "example.co.uk", {"ENG", "SCT"}, {"London", "Edinburgh"}},
    {"DE", "EUR", "example.de", {"BE", "BY"}, {"Berlin", "München"}},
    {"FR", "EUR", "example.fr", {"IDF", "ARA"}, {"Paris", "Lyon"}},
    {"ES", "EUR", "example.es", {"MD", "CT"}, {"Madrid", "Barcelona"}},
    {"NL", "EUR", "example.nl", {"NH", "ZH"}, {"Amsterdam", "Rotterdam"}},
    {"SE", "SEK", "example.se", {"AB", "O"}, {"Stockholm", "Göteborg"}},
    {"PL", "PLN", "example.pl", {"MZ", "MA"}, {"Warszawa", "Kraków"}},
    {"JP", "JPY", "example.jp", {"13", "27"}, {"Tokyo", "Osaka"}},
    {"BR", "BRL", "example.com.br", {"SP", "RJ"}, {"São Paulo", "Rio de Janeiro"}},
    {"IN", "INR", "example.in", {"MH", "KA"}, {"Mumbai", "Bengaluru"}},
    {"CA", "CAD", "example.ca", {"ON", "QC"}, {"Toronto", "Montréal"}},
    {"AU", "AUD", "example.com.au", {"NSW", "VIC"}, {"Sydney", "Melbourne"}},
};
#define N_COUNTRIES (sizeof k_countries / sizeof k_countries[0])

static const char *const k_plans[] = {"free", "basic", "pro", "business"};
static const char *const k_first[] = {"anna", "ben", "chloe", "david", "emma", "felix",
                                      "grace", "hugo", "ines", "jonas", "kira", "liam",
                                      "mia", "noah", "olga", "pablo"};
static const char *const k_last[] = {"smith", "müller", "garcia", "rossi", "dubois", "kowalski",
                                     "tanaka", "silva", "patel", "nguyen", "olsen", "brown"};
static const char *const k_mail[] = {"mail.example.org", "inbox.example.net", "post.example.com"};

typedef struct device {
  const char *type, *os, *browser, *ua;
} device;

static const device k_devices[] = {
    {"desktop", "Windows", "Chrome",
     "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0.0.0 Safari/537.36"},
    {"desktop", "macOS", "Safari",
     "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.4 Safari/605.1.15"},
    {"desktop", "Linux", "Firefox",
     "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"},
    {"mobile", "iOS", "Safari",
     "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
     "like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"},
    {"mobile", "Android", "Chrome",
     "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0.0.0 Mobile Safari/537.36"},
    {"tablet", "iPadOS", "Safari",
     "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.4 Mobile/15E148 Safari/604.1"},
};
#define N_DEVICES (sizeof k_devices / sizeof k_devices[0])

typedef struct campaign {
  const char *source, *medium, *campaign, *term, *content, *referrer;
} campaign;

/* Index 0: direct traffic (no referrer, no UTM); 1-2: organic search (referrer only). */
static const campaign k_campaigns[] = {
    {NULL, NULL, NULL, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL, "https://www.google.com/"},
    {NULL, NULL, NULL, NULL, NULL, "https://www.bing.com/"},
    {"google", "cpc", "spring_sale", "running shoes", "ad_a", "https://www.google.com/"},
    {"google", "cpc", "brand", "example shop", "ad_b", "https://www.google.com/"},
    {"facebook", "social", "spring_sale", NULL, "carousel", "https://www.facebook.com/"},
    {"newsletter", "email", "weekly_digest", NULL, "hero_banner", NULL},
    {"partner", "affiliate", "cashback", NULL, NULL, "https://deals.example.net/"},
};
#define N_CAMPAIGNS (sizeof k_campaigns / sizeof k_campaigns[0])
#define FIRST_UTM 3

static const char *const k_categories[] = {"shoes", "jackets", "bags", "watches",
                                           "books", "games", "kitchen", "garden"};
static const char *const k_clicks[] = {"product-card", "nav-link", "search-result",
                                       "recommendation", "banner"};
static const char *const k_payments[] = {"card", "paypal", "apple_pay", "klarna"};
static const char *const k_methods[] = {"email", "google", "apple"};

typedef struct user {
  uint32_t id;         /* user number; a deleted user's slot gets a new number */
  uint8_t country;     /* k_countries index */
  uint8_t plan;        /* k_plans index */
  uint8_t first, last, mail;
  uint8_t signed_up;   /* 0 until the signup event was emitted */
  uint16_t email_ver;  /* bumped by an e-mail change */
} user;

typedef struct session {
  uint64_t id;
  uint32_t user;       /* index into users, or ANONYMOUS */
  uint32_t ip;
  uint32_t sku;        /* product last looked at */
  uint32_t cart_items;
  uint64_t cart_cents;
  uint16_t pages;
  uint8_t device, country, city, campaign;
  uint8_t last;        /* the previous event type, EV_END for a new session */
  uint8_t pending;     /* an account event to emit next, or EV_END */
  char page[96];       /* current page path, the next page's referrer */
} session;

struct lfp_gen {
  lfp_gen_opts o;
  lfp_rng rng;
  int64_t clock_us;
  uint64_t next_user_id;
  user *users;         /* o.users entries, owned */
  session sessions[N_SESSIONS];
  char *ring;          /* DUP_RING lines of LFP_LINE_MAX, owned */
  uint16_t ring_len[DUP_RING];
  uint32_t ring_count, ring_next;
  lfp_gen_stats stats;
};

/* ------------------------------------------------------------------ simulation */

static void user_init(lfp_gen *g, user *u) {
  u->id = (uint32_t)++g->next_user_id;
  u->country = (uint8_t)lfp_rng_below(&g->rng, N_COUNTRIES);
  u->plan = (uint8_t)(lfp_rng_chance(&g->rng, 0.7) ? 0 : 1 + lfp_rng_below(&g->rng, 3));
  u->first = (uint8_t)lfp_rng_below(&g->rng, sizeof k_first / sizeof k_first[0]);
  u->last = (uint8_t)lfp_rng_below(&g->rng, sizeof k_last / sizeof k_last[0]);
  u->mail = (uint8_t)lfp_rng_below(&g->rng, sizeof k_mail / sizeof k_mail[0]);
  u->signed_up = 0;
  u->email_ver = 0;
}

/* The account event a session of user `ui` starts with, or EV_END for none. */
static uint8_t account_event(lfp_gen *g, uint32_t ui) {
  if (!g->users[ui].signed_up) return EV_SIGNUP;
  uint32_t r = lfp_rng_below(&g->rng, 1000);
  if (r < 60) return EV_PROFILE_UPDATE;
  if (r < 100) return EV_PLAN_CHANGE;
  if (r < 104) return EV_ACCOUNT_DELETED;
  if (r < 400) return EV_LOGIN;
  return EV_END;
}

static void session_init(lfp_gen *g, session *s) {
  lfp_rng *r = &g->rng;
  s->id = lfp_rng_next(r);
  s->user = lfp_rng_chance(r, 0.15) ? ANONYMOUS : lfp_rng_below(r, g->o.users);
  s->ip = (uint32_t)lfp_rng_next(r);
  s->sku = lfp_rng_below(r, N_PRODUCTS);
  s->cart_items = 0;
  s->cart_cents = 0;
  s->pages = 0;
  s->device = (uint8_t)lfp_rng_below(r, N_DEVICES);
  /* Mostly where the user lives; sometimes travelling (geo differs from the profile). */
  s->country = (uint8_t)(s->user != ANONYMOUS && lfp_rng_chance(r, 0.9)
                             ? g->users[s->user].country
                             : lfp_rng_below(r, N_COUNTRIES));
  s->city = (uint8_t)lfp_rng_below(r, 2);
  s->campaign = (uint8_t)lfp_rng_below(r, N_CAMPAIGNS);
  s->last = EV_END;
  s->pending = s->user == ANONYMOUS ? EV_END : account_event(g, s->user);
  strcpy(s->page, "/");
}

/* The funnel: the next event type after `last`, or EV_END when the session is over. */
static uint8_t next_type(lfp_gen *g, const session *s) {
  uint32_t r = lfp_rng_below(&g->rng, 100);
  if (s->pages > 40) return EV_END;
  switch (s->last) {
    case EV_PAGE_VIEW: return r < 55 ? EV_CLICK : r < 85 ? EV_PAGE_VIEW : EV_END;
    case EV_CLICK: return r < 30 ? EV_ADD_TO_CART : r < 88 ? EV_PAGE_VIEW : EV_END;
    case EV_ADD_TO_CART: return r < 40 ? EV_CHECKOUT : r < 92 ? EV_PAGE_VIEW : EV_END;
    case EV_CHECKOUT: return r < 70 ? EV_PURCHASE : r < 80 ? EV_PAGE_VIEW : EV_END;
    case EV_PURCHASE: return r < 40 ? EV_PAGE_VIEW : EV_END;
    case EV_ACCOUNT_DELETED: return EV_END;
    default: return EV_PAGE_VIEW; /* a new session, or after an account event */
  }
}

/* Price of a product in cents, derived from its number so it never changes. */
static uint64_t price_cents(uint32_t sku) {
  uint64_t x = sku;
  return 499 + lfp_splitmix64(&x) % 29500;
}

/* Applies an account event to the user's profile before it is written. */
static void apply_account(lfp_gen *g, session *s, uint8_t type, int *changed) {
  user *u = &g->users[s->user];
  *changed = 0;
  if (type == EV_SIGNUP) u->signed_up = 1;
  if (type == EV_PLAN_CHANGE) u->plan = (uint8_t)((u->plan + 1 + lfp_rng_below(&g->rng, 3)) % 4);
  if (type == EV_PROFILE_UPDATE) {
    *changed = (int)lfp_rng_below(&g->rng, 2); /* 0: e-mail, 1: country (moved) */
    if (*changed == 0) {
      u->email_ver++;
      u->mail = (uint8_t)((u->mail + 1) % 3);
    } else {
      u->country = (uint8_t)((u->country + 1 + lfp_rng_below(&g->rng, N_COUNTRIES - 1)) %
                             N_COUNTRIES);
    }
  }
}

/* ------------------------------------------------------------------ writing */

/* Which field of a wrong-types line gets a value of the wrong JSON type. */
enum { WRONG_NONE, WRONG_TS, WRONG_VERSION, WRONG_USER, WRONG_PROPERTIES, WRONG_AMOUNT };

typedef struct ctx {
  lfp_gen *g;
  session *s;
  lfp_json *j;
  uint8_t type;
  int changed, wrong, drift;
  uint32_t old_plan;
} ctx;

static void write_email(lfp_json *j, const user *u) {
  char buf[96];
  size_t n = 0;
  const char *parts[] = {k_first[u->first], ".", k_last[u->last]};
  for (size_t i = 0; i < 3; i++) {
    size_t l = strlen(parts[i]);
    memcpy(buf + n, parts[i], l);
    n += l;
  }
  lfp_json_char(j, '"');
  lfp_json_raw(j, buf, n);
  lfp_json_u64(j, u->id);
  if (u->email_ver) {
    lfp_json_char(j, '+');
    lfp_json_u64(j, u->email_ver);
  }
  lfp_json_char(j, '@');
  lfp_json_raw(j, k_mail[u->mail], strlen(k_mail[u->mail]));
  lfp_json_char(j, '"');
}

static void write_user(ctx *c) {
  lfp_json *j = c->j;
  if (c->s->user == ANONYMOUS) {
    /* A wrong-types line must be wrong even without a user: say so in a string. */
    if (c->wrong == WRONG_USER) LFP_JSON_LIT(j, ",\"user\":\"anonymous\"");
    return;
  }
  const user *u = &c->g->users[c->s->user];
  if (c->wrong == WRONG_USER) {
    LFP_JSON_LIT(j, ",\"user\":\"u-");
    lfp_json_u64(j, u->id);
    lfp_json_char(j, '"');
    return;
  }
  LFP_JSON_LIT(j, ",\"user\":{\"user_id\":\"u-");
  lfp_json_u64(j, u->id);
  lfp_json_char(j, '"');
  int all = c->type == EV_SIGNUP;
  if (all || (c->type == EV_PROFILE_UPDATE && c->changed == 0)) {
    LFP_JSON_LIT(j, ",\"email\":");
    write_email(j, u);
  }
  if (all || (c->type == EV_PROFILE_UPDATE && c->changed == 1)) {
    LFP_JSON_LIT(j, ",\"country\":");
    lfp_json_str(j, k_countries[u->country].code);
  }
  if (all || c->type == EV_PLAN_CHANGE) {
    LFP_JSON_LIT(j, ",\"plan\":");
    lfp_json_str(j, k_plans[u->plan]);
  }
  lfp_json_char(j, '}');
}

/* The page path of this event; also becomes the session's current page. */
static void page_path(ctx *c, char *out, size_t cap) {
  session *s = c->s;
  lfp_json pj = {out, out + cap - 1, 0};
  switch (c->type) {
    case EV_PAGE_VIEW:
      if (s->pages == 0 || lfp_rng_chance(&c->g->rng, 0.3)) {
        LFP_JSON_LIT(&pj, "/c/");
        lfp_json_raw(&pj, k_categories[s->sku % 8], strlen(k_categories[s->sku % 8]));
      } else {
        LFP_JSON_LIT(&pj, "/p/sku-");
        lfp_json_u64(&pj, s->sku);
      }
      break;
    case EV_ADD_TO_CART: LFP_JSON_LIT(&pj, "/p/sku-"); lfp_json_u64(&pj, s->sku); break;
    case EV_CHECKOUT: LFP_JSON_LIT(&pj, "/checkout"); break;
    case EV_PURCHASE: LFP_JSON_LIT(&pj, "/checkout/confirmation"); break;
    case EV_SIGNUP: LFP_JSON_LIT(&pj, "/signup"); break;
    case EV_LOGIN: LFP_JSON_LIT(&pj, "/login"); break;
    case EV_PROFILE_UPDATE:
    case EV_PLAN_CHANGE:
    case EV_ACCOUNT_DELETED: LFP_JSON_LIT(&pj, "/account"); break;
    default: lfp_json_raw(&pj, s->page, strlen(s->page)); break; /* a click stays */
  }
  *pj.p = '\0';
}

static const char *page_title(uint8_t type) {
  switch (type) {
    case EV_CHECKOUT: return "Checkout";
    case EV_PURCHASE: return "Thank you for your order";
    case EV_SIGNUP: return "Create your account";
    case EV_LOGIN: return "Sign in";
    case EV_PROFILE_UPDATE:
    case EV_PLAN_CHANGE:
    case EV_ACCOUNT_DELETED: return "Your account";
    default: return "Example Shop";
  }
}

static void write_page(ctx *c) {
  lfp_json *j = c->j;
  session *s = c->s;
  char path[96];
  page_path(c, path, sizeof path);
  LFP_JSON_LIT(j, ",\"page\":{\"url\":\"https://shop.example.com");
  lfp_json_raw(j, path, strlen(path));
  lfp_json_char(j, '"');
  const char *ext = k_campaigns[s->campaign].referrer;
  if (s->pages > 0) {
    LFP_JSON_LIT(j, ",\"referrer\":\"https://shop.example.com");
    lfp_json_raw(j, s->page, strlen(s->page));
    lfp_json_char(j, '"');
  } else if (ext) {
    LFP_JSON_LIT(j, ",\"referrer\":");
    lfp_json_str(j, ext);
  }
  LFP_JSON_LIT(j, ",\"title\":");
  lfp_json_str(j, page_title(c->type));
  lfp_json_char(j, '}');
  memcpy(s->page, path, strlen(path) + 1);
  s->pages++;
}

static void write_context(ctx *c) {
  lfp_json *j = c->j;
  const device *d = &k_devices[c->s->device];
  const country *k = &k_countries[c->s->country];
  LFP_JSON_LIT(j, ",\"device\":{\"type\":");
  lfp_json_str(j, d->type);
  LFP_JSON_LIT(j, ",\"os\":");
  lfp_json_str(j, d->os);
  LFP_JSON_LIT(j, ",\"browser\":");
  lfp_json_str(j, d->browser);
  LFP_JSON_LIT(j, ",\"user_agent\":");
  lfp_json_str(j, d->ua);
  LFP_JSON_LIT(j, "},\"geo\":{\"country\":");
  lfp_json_str(j, k->code);
  LFP_JSON_LIT(j, ",\"region\":");
  lfp_json_str(j, k->region[c->s->city]);
  LFP_JSON_LIT(j, ",\"city\":");
  lfp_json_str(j, k->city[c->s->city]);
  lfp_json_char(j, '}');
  if (c->s->campaign < FIRST_UTM) return;
  const campaign *u = &k_campaigns[c->s->campaign];
  LFP_JSON_LIT(j, ",\"utm\":{\"source\":");
  lfp_json_str(j, u->source);
  LFP_JSON_LIT(j, ",\"medium\":");
  lfp_json_str(j, u->medium);
  LFP_JSON_LIT(j, ",\"campaign\":");
  lfp_json_str(j, u->campaign);
  if (u->term) {
    LFP_JSON_LIT(j, ",\"term\":");
    lfp_json_str(j, u->term);
  }
  if (u->content) {
    LFP_JSON_LIT(j, ",\"content\":");
    lfp_json_str(j, u->content);
  }
  lfp_json_char(j, '}');
}

static void write_purchase(ctx *c) {
  lfp_json *j = c->j;
  session *s = c->s;
  LFP_JSON_LIT(j, ",\"purchase\":{\"order_id\":\"o-");
  lfp_json_hex(j, lfp_rng_next(&c->g->rng), 16);
  LFP_JSON_LIT(j, "\",\"amount\":");
  if (c->wrong == WRONG_AMOUNT) {
    lfp_json_char(j, '"');
    lfp_json_u64(j, s->cart_cents / 100);
    lfp_json_char(j, ',');
    lfp_json_u64(j, s->cart_cents % 100);
    lfp_json_char(j, '"');
  } else {
    lfp_json_cents(j, s->cart_cents);
  }
  LFP_JSON_LIT(j, ",\"currency\":");
  lfp_json_str(j, k_countries[s->country].currency);
  LFP_JSON_LIT(j, ",\"items\":");
  lfp_json_u64(j, s->cart_items);
  lfp_json_char(j, '}');
}

/* `"key":"value"` pairs of the properties map; the first without a leading comma. */
static void prop(lfp_json *j, int *first, const char *key, const char *value) {
  if (!*first) lfp_json_char(j, ',');
  *first = 0;
  lfp_json_str(j, key);
  lfp_json_char(j, ':');
  lfp_json_str(j, value);
}

static void prop_u64(lfp_json *j, int *first, const char *key, uint64_t v) {
  if (!*first) lfp_json_char(j, ',');
  *first = 0;
  lfp_json_str(j, key);
  LFP_JSON_LIT(j, ":\"");
  lfp_json_u64(j, v);
  lfp_json_char(j, '"');
}

static void prop_cents(lfp_json *j, int *first, const char *key, uint64_t cents) {
  if (!*first) lfp_json_char(j, ',');
  *first = 0;
  lfp_json_str(j, key);
  LFP_JSON_LIT(j, ":\"");
  lfp_json_cents(j, cents);
  lfp_json_char(j, '"');
}

static void write_properties(ctx *c) {
  lfp_json *j = c->j;
  session *s = c->s;
  lfp_rng *r = &c->g->rng;
  int first = 1;
  if (c->wrong == WRONG_PROPERTIES) {
    LFP_JSON_LIT(j, ",\"properties\":[\"broken\"]");
    return;
  }
  LFP_JSON_LIT(j, ",\"properties\":{");
  switch (c->type) {
    case EV_PAGE_VIEW:
      prop_u64(j, &first, "load_ms", 80 + lfp_rng_below(r, 1900));
      prop(j, &first, "category", k_categories[s->sku % 8]);
      break;
    case EV_CLICK:
      prop(j, &first, "element", k_clicks[lfp_rng_below(r, 5)]);
      prop_u64(j, &first, "position", 1 + lfp_rng_below(r, 24));
      break;
    case EV_ADD_TO_CART:
      prop_u64(j, &first, "sku", s->sku);
      prop(j, &first, "category", k_categories[s->sku % 8]);
      prop_cents(j, &first, "price", price_cents(s->sku));
      prop(j, &first, "quantity", "1");
      break;
    case EV_CHECKOUT:
      prop_u64(j, &first, "cart_items", s->cart_items);
      prop_cents(j, &first, "cart_value", s->cart_cents);
      break;
    case EV_PURCHASE:
      prop(j, &first, "payment_method", k_payments[lfp_rng_below(r, 4)]);
      if (lfp_rng_chance(r, 0.2)) prop(j, &first, "coupon", "SPRING10");
      break;
    case EV_SIGNUP:
    case EV_LOGIN: prop(j, &first, "method", k_methods[lfp_rng_below(r, 3)]); break;
    case EV_PROFILE_UPDATE: prop(j, &first, "changed", c->changed ? "country" : "email"); break;
    case EV_PLAN_CHANGE:
      prop(j, &first, "from", k_plans[c->old_plan]);
      prop(j, &first, "to", k_plans[c->g->users[s->user].plan]);
      break;
    case EV_ACCOUNT_DELETED: prop(j, &first, "reason", "user_request"); break;
    default: break;
  }
  lfp_json_char(j, '}');
}

/* The whole event, from `{` to `}` (no newline). */
static void write_event(ctx *c, int64_t ts) {
  lfp_json *j = c->j;
  lfp_rng *r = &c->g->rng;
  uint64_t a = lfp_rng_next(r), b = lfp_rng_next(r);
  /* A version-4 UUID from 122 random bits. */
  LFP_JSON_LIT(j, "{\"event_id\":\"");
  lfp_json_hex(j, a >> 32, 8);
  lfp_json_char(j, '-');
  lfp_json_hex(j, a >> 16, 4);
  LFP_JSON_LIT(j, "-4");
  lfp_json_hex(j, a, 3);
  lfp_json_char(j, '-');
  lfp_json_hex(j, 0x8 | ((b >> 62) & 3), 1);
  lfp_json_hex(j, b >> 48, 3);
  lfp_json_char(j, '-');
  lfp_json_hex(j, b, 12);
  LFP_JSON_LIT(j, "\",\"event_type\":");
  lfp_json_str(j, lfp_event_types[c->type]);
  LFP_JSON_LIT(j, ",\"event_ts\":");
  if (c->wrong == WRONG_TS) LFP_JSON_LIT(j, "\"yesterday\"");
  else lfp_json_ts(j, ts);
  LFP_JSON_LIT(j, ",\"schema_version\":");
  if (c->wrong == WRONG_VERSION) LFP_JSON_LIT(j, "\"two\"");
  else lfp_json_char(j, c->drift ? '2' : '1');
  LFP_JSON_LIT(j, ",\"session_id\":\"s-");
  lfp_json_hex(j, c->s->id, 16);
  LFP_JSON_LIT(j, "\",\"ip\":\"");
  uint32_t ip = c->s->ip;
  for (int i = 3; i >= 0; i--) {
    lfp_json_u64(j, (ip >> (8 * i)) & 255);
    if (i) lfp_json_char(j, '.');
  }
  lfp_json_char(j, '"');
  write_user(c);
  write_page(c);
  write_context(c);
  if (c->type == EV_PURCHASE) write_purchase(c);
  write_properties(c);
  if (c->drift) {
    LFP_JSON_LIT(j, ",\"app_version\":\"5.2.");
    lfp_json_u64(j, lfp_rng_below(r, 10));
    LFP_JSON_LIT(j, "\",\"consent\":{\"analytics\":");
    if (lfp_rng_chance(r, 0.8)) LFP_JSON_LIT(j, "true");
    else LFP_JSON_LIT(j, "false");
    LFP_JSON_LIT(j, ",\"marketing\":");
    if (lfp_rng_chance(r, 0.4)) LFP_JSON_LIT(j, "true");
    else LFP_JSON_LIT(j, "false");
    lfp_json_char(j, '}');
  }
  lfp_json_char(j, '}');
}

/* ------------------------------------------------------------------ lines */

/* Advances the chosen session by one event and writes it; updates session state. */
static void fresh_event(lfp_gen *g, lfp_json *j, int wrong) {
  session *s = &g->sessions[lfp_rng_below(&g->rng, N_SESSIONS)];
  uint8_t type = s->pending != EV_END ? s->pending : next_type(g, s);
  while (type == EV_END) {
    session_init(g, s);
    type = s->pending != EV_END ? s->pending : next_type(g, s);
  }
  s->pending = EV_END;
  ctx c = {g, s, j, type, 0, wrong, g->o.drift && g->stats.lines >= g->o.drift_after, 0};
  if (s->user != ANONYMOUS) c.old_plan = g->users[s->user].plan;
  if (s->user != ANONYMOUS && type >= EV_SIGNUP) apply_account(g, s, type, &c.changed);
  if (type == EV_CLICK && lfp_rng_chance(&g->rng, 0.7)) s->sku = lfp_rng_below(&g->rng, N_PRODUCTS);
  if (type == EV_ADD_TO_CART) {
    s->cart_items++;
    s->cart_cents += price_cents(s->sku);
  }
  g->clock_us += (int64_t)lfp_rng_below(&g->rng, 200000) + 1;
  int64_t ts = g->clock_us;
  if (lfp_rng_chance(&g->rng, g->o.late_fraction)) {
    uint64_t span = (uint64_t)(g->o.late_max_us - 1000000);
    ts -= 1000000 + (int64_t)(span ? lfp_rng_next(&g->rng) % (span + 1) : 0);
    if (!wrong) g->stats.late++;
  }
  write_event(&c, ts);
  if (c.drift) g->stats.drifted++;
  if (type == EV_PURCHASE) {
    s->cart_items = 0;
    s->cart_cents = 0;
  }
  if (type == EV_ACCOUNT_DELETED) user_init(g, &g->users[s->user]);
  s->last = type;
}

/* A broken line: truncated, syntactically invalid, or valid JSON with a wrong type. */
static void malformed(lfp_gen *g, lfp_json *j, char *start) {
  uint32_t kind = lfp_rng_below(&g->rng, 10);
  if (kind >= 6) {
    fresh_event(g, j, WRONG_TS + (int)lfp_rng_below(&g->rng, 4)); /* never WRONG_AMOUNT */
    return;
  }
  fresh_event(g, j, WRONG_NONE);
  size_t len = (size_t)(j->p - start);
  if (kind < 3) { /* cut anywhere before the closing brace: never valid JSON */
    j->p = start + 1 + lfp_rng_below(&g->rng, (uint32_t)(len - 2));
    return;
  }
  if (kind < 5) { /* an unquoted key: {event_id":... */
    memmove(start + 1, start + 2, len - 2);
    j->p--;
    return;
  }
  j->p[-1] = ','; /* a trailing comma: ...,} */
  lfp_json_char(j, '}');
}

int lfp_gen_next(lfp_gen *g, char *out) {
  lfp_json j = {out, out + LFP_LINE_MAX - 1, 0}; /* room for the '\n' */
  double u = lfp_rng_unit(&g->rng);
  int dup = u < g->o.duplicate_fraction;
  if (dup && g->ring_count > 0) {
    uint32_t slot = lfp_rng_below(&g->rng, g->ring_count);
    lfp_json_raw(&j, g->ring + (size_t)slot * LFP_LINE_MAX, g->ring_len[slot]);
    g->stats.duplicates++;
  } else if (!dup && u < g->o.duplicate_fraction + g->o.malformed_fraction) {
    malformed(g, &j, out);
    g->stats.malformed++;
  } else {
    fresh_event(g, &j, WRONG_NONE);
    size_t len = (size_t)(j.p - out);
    if (!j.overflow) {
      memcpy(g->ring + (size_t)g->ring_next * LFP_LINE_MAX, out, len);
      g->ring_len[g->ring_next] = (uint16_t)len;
      g->ring_next = (g->ring_next + 1) % DUP_RING;
      if (g->ring_count < DUP_RING) g->ring_count++;
    }
  }
  if (j.overflow) return LF_ERR_INTERNAL;
  *j.p++ = '\n';
  g->stats.lines++;
  return (int)(j.p - out);
}

int lfp_gen_new(const lfp_gen_opts *opts, lfp_gen **out, lf_error *err) {
  lfp_gen *g = NULL;
  *out = NULL;
  if (!(opts->late_fraction >= 0 && opts->late_fraction <= 1 &&
        opts->duplicate_fraction >= 0 && opts->malformed_fraction >= 0 &&
        opts->duplicate_fraction + opts->malformed_fraction <= 1))
    return lf_error_set(err, LF_ERR_INVALID,
                        "fractions must be in [0, 1], duplicate + malformed at most 1");
  if (opts->late_max_us < 1000000 || opts->users < 1)
    return lf_error_set(err, LF_ERR_INVALID, "late-max must be at least 1 s and users >= 1");
  if (!(g = calloc(1, sizeof *g)) || !(g->users = calloc(opts->users, sizeof *g->users)) ||
      !(g->ring = malloc((size_t)DUP_RING * LFP_LINE_MAX))) {
    lfp_gen_free(g);
    return lf_error_set(err, LF_ERR_NOMEM, "out of memory for the event generator");
  }
  g->o = *opts;
  g->clock_us = opts->start_us;
  lfp_rng_seed(&g->rng, opts->seed);
  for (uint32_t i = 0; i < opts->users; i++) user_init(g, &g->users[i]);
  for (int i = 0; i < N_SESSIONS; i++) session_init(g, &g->sessions[i]);
  *out = g;
  return LF_OK;
}

void lfp_gen_free(lfp_gen *g) {
  if (!g) return;
  free(g->users);
  free(g->ring);
  free(g);
}

const lfp_gen_stats *lfp_gen_get_stats(const lfp_gen *g) { return &g->stats; }
