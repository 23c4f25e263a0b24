/* test_match.c — what must match and what must not, as a table: the shipped
 * watchlists with the false-positive traps issue 4 names, and a fixture list
 * with one entry per form of the watchlist language. */
#include <string.h>
#include "match.h"
#include "watchlist.h"

enum expect { NO = 0, YES = 1 };

struct mcase {
	const char *field;     /* NULL = content */
	const char *text;
	const char *entry;     /* entry or rule display name */
	enum expect expect;
};

/* Against watchlists/ (people, meetings, aid). */
static const struct mcase shipped[] = {
	/* Hegseth: possessives, hyphens, hashtags, brackets, scripts, case */
	{ NULL, "Hegseth arrives in Brussels", "Pete Hegseth", YES },
	{ NULL, "Hegseth's visit to Kyiv", "Pete Hegseth", YES },
	{ NULL, "Hegseth\u2019s remarks at the Pentagon", "Pete Hegseth", YES },
	{ NULL, "a Hegseth-led delegation", "Pete Hegseth", YES },
	{ NULL, "#Hegseth trends after speech", "Pete Hegseth", YES },
	{ NULL, "the defence secretary (Hegseth) said", "Pete Hegseth", YES },
	{ NULL, "HEGSETH SPEAKS TO TROOPS", "Pete Hegseth", YES },
	{ NULL, "Піт Гегсет прибув до Брюсселя", "Pete Hegseth", YES },
	{ NULL, "SecDef met allies", "Pete Hegseth", YES },
	{ NULL, "secdef is a nickname in lower case", "Pete Hegseth", NO },
	{ NULL, "Hegsethian politics", "Pete Hegseth", NO },
	{ "title", "Hegseth in the title", "Pete Hegseth", YES },
	{ "author", "By Pete Hegseth", "Pete Hegseth", YES },
	{ "categories", "Hegseth", "Pete Hegseth", YES },
	/* Zelenskyy in every spelling */
	{ NULL, "Zelenskyy in Munich", "Volodymyr Zelenskyy", YES },
	{ NULL, "President Zelensky said", "Volodymyr Zelenskyy", YES },
	{ NULL, "Zelenskiy urged allies", "Volodymyr Zelenskyy", YES },
	{ NULL, "Selenskyj trifft Merz in Berlin", "Volodymyr Zelenskyy", YES },
	{ NULL, "Зеленський зустрівся з Рютте", "Volodymyr Zelenskyy", YES },
	{ NULL, "ЗЕЛЕНСЬКИЙ ЗВЕРНУВСЯ ДО НАЦІЇ", "Volodymyr Zelenskyy", YES },
	{ NULL, "Зеленский заявил", "Volodymyr Zelenskyy", YES },
	{ NULL, "Zełenski w Warszawie", "Volodymyr Zelenskyy", YES },
	{ NULL, "Офіс Зеленського повідомив", "Volodymyr Zelenskyy", YES },
	{ NULL, "Volodymyr Zelenskyy's office", "Volodymyr Zelenskyy", YES },
	{ NULL, "Olena Zelenska visited a school", "Volodymyr Zelenskyy", NO },
	/* Waltz the adviser, never the dance */
	{ NULL, "Mike Waltz confirmed as UN ambassador", "Mike Waltz", YES },
	{ NULL, "National security adviser Waltz said on Sunday", "Mike Waltz", YES },
	{ NULL, "Waltz told the Senate hearing", "Mike Waltz", YES },
	{ NULL, "The Viennese waltz is a ballroom dance", "Mike Waltz", NO },
	{ NULL, "a waltz by Chopin", "Mike Waltz", NO },
	{ NULL, "Christoph Waltz honoured at the White House", "Mike Waltz", NO },
	{ NULL, "Waltz in three-four time", "Mike Waltz", NO },
	/* Rutte, Healey, Umerov, Pistorius, Shmyhal */
	{ NULL, "Rutte says NATO must spend more", "Mark Rutte", YES },
	{ NULL, "NATO chief Mark Rutte's warning", "Mark Rutte", YES },
	{ NULL, "Рютте прибув до Києва", "Mark Rutte", YES },
	{ NULL, "Healey announces new drones", "John Healey", YES },
	{ NULL, "Defence Secretary John Healey", "John Healey", YES },
	{ NULL, "Maura Healey signs the state budget", "John Healey", NO },
	{ NULL, "a restored Austin-Healey Sprite", "John Healey", NO },
	{ NULL, "Umerov met his counterparts", "Rustem Umerov", YES },
	{ NULL, "Умєров провів зустріч", "Rustem Umerov", YES },
	{ NULL, "Oscar Pistorius released on parole", "Boris Pistorius", NO },
	{ NULL, "Pistorius visits Lithuania brigade", "Boris Pistorius", YES },
	{ NULL, "Shmyhal named defence minister", "Denys Shmyhal", YES },
	{ NULL, "Dovile Sakaliene in Vilnius", "Dovilė Šakalienė", YES },
	/* UDCG / Ramstein, never the band */
	{ NULL, "the Ramstein format meeting", "Ukraine Defense Contact Group", YES },
	{ NULL, "Ramstein-format talks at NATO HQ", "Ukraine Defense Contact Group", YES },
	{ NULL, "Ukraine Defence Contact Group meets", "Ukraine Defense Contact Group", YES },
	{ NULL, "the contact group (UDCG) met", "Ukraine Defense Contact Group", YES },
	{ NULL, "#Ramstein allies pledge more air defence for Ukraine", "Ukraine Defense Contact Group", YES },
	{ NULL, "засідання у форматі Рамштайн", "Ukraine Defense Contact Group", YES },
	{ NULL, "Rammstein concert sold out", "Ukraine Defense Contact Group", NO },
	{ NULL, "Ramsteiner beer for Ukraine allies", "Ukraine Defense Contact Group", NO },
	{ NULL, "Ramstein Air Base hosts an air show", "Ukraine Defense Contact Group", NO },
	{ NULL, "udcg in lower case", "Ukraine Defense Contact Group", NO },
	{ NULL, "Rammstein tour: Ramstein fans cheer Till Lindemann, allies of the band", "Ukraine Defense Contact Group", NO },
	/* MSC, not the cruise line, the shipper or the degree */
	{ NULL, "Munich Security Conference opens", "Munich Security Conference", YES },
	{ NULL, "MÜNCHNER SICHERHEITSKONFERENZ BEGINNT", "Munich Security Conference", YES },
	{ NULL, "Münchner Sicherheitskonferenz beginnt", "Munich Security Conference", YES },
	{ NULL, "Munchner Sicherheitskonferenz beginnt", "Munich Security Conference", YES },
	{ NULL, "Vance's MSC speech stunned Europe's security establishment", "Munich Security Conference", YES },
	{ NULL, "At the MSC, Zelensky asked for jets", "Munich Security Conference", YES },
	{ NULL, "MSC Cruises launches a new ship in Munich", "Munich Security Conference", NO },
	{ NULL, "Mediterranean Shipping Company (MSC) orders container ships", "Munich Security Conference", NO },
	{ NULL, "She earned an MSc in security studies in Munich", "Munich Security Conference", NO },
	{ NULL, "MSC Bellissima docks in Genoa", "Munich Security Conference", NO },
	{ NULL, "MSC reports quarterly results", "Munich Security Conference", NO },
	/* NATO meetings, G7, Weimar, NB8, coalition of the willing */
	{ NULL, "NATO summit in The Hague", "NATO summit", YES },
	{ NULL, "саміт НАТО у Гаазі", "NATO summit", YES },
	{ NULL, "Nato summit ends", "NATO summit", YES },
	{ NULL, "NATO expands", "NATO", NO },
	{ NULL, "NATO defence ministers meet", "NATO defence ministers", YES },
	{ NULL, "the NATO defense ministerial in Brussels", "NATO defence ministers", YES },
	{ NULL, "G7 leaders agree on Russia sanctions", "G7", YES },
	{ NULL, "the G-7 statement", "G7", YES },
	{ NULL, "Moto G7 review: a budget phone", "G7", NO },
	{ NULL, "g7 in lower case", "G7", NO },
	{ NULL, "the Group of Seven finance ministers", "G7", YES },
	{ NULL, "Weimar Triangle leaders", "Weimar Triangle", YES },
	{ NULL, "Treffen im Weimarer Dreieck", "Weimar Triangle", YES },
	{ NULL, "Nordic-Baltic Eight statement", "Nordic-Baltic Eight", YES },
	{ NULL, "NB8 ministers met in Riga", "Nordic-Baltic Eight", YES },
	{ NULL, "coalition of the willing meets in Paris", "Coalition of the willing", YES },
	{ NULL, "Koalition der Willigen berät", "Coalition of the willing", YES },
	{ NULL, "засідання коаліції охочих", "Coalition of the willing", YES },
	{ NULL, "the coalition of the willing that fought the Iraq War", "Coalition of the willing", NO },
	/* aid terms */
	{ NULL, "more military aid to Ukraine", "Military assistance", YES },
	{ NULL, "a new security assistance package", "Security assistance", YES },
	{ NULL, "two weapons packages announced", "Weapons package", YES },
	{ NULL, "under the Presidential Drawdown Authority", "Presidential Drawdown Authority", YES },
	{ NULL, "a $500 million PDA package for Ukraine", "Presidential Drawdown Authority", YES },
	{ NULL, "PDA: a public display of affection at the package store", "Presidential Drawdown Authority", NO },
	{ NULL, "the PDA is back, says Palm Pilot maker", "Presidential Drawdown Authority", NO },
	{ NULL, "the troop drawdown in Iraq continues", "Presidential Drawdown Authority", NO },
	{ NULL, "USAI funds for Kyiv", "USAI", YES },
	{ NULL, "European Peace Facility reimbursements", "European Peace Facility", YES },
	{ NULL, "Europäische Friedensfazilität", "European Peace Facility", YES },
	{ NULL, "the EPF and the Employees' Provident Fund", "European Peace Facility", NO },
	{ NULL, "ERA loans disbursed", "ERA loans", YES },
	{ NULL, "a new era of loans", "ERA loans", NO },
	/* Patriot, not the act, the team or the virtue */
	{ NULL, "Patriot missile batteries", "Patriot air defence", YES },
	{ NULL, "Germany to send two more Patriot systems to Ukraine", "Patriot air defence", YES },
	{ NULL, "Patriots for Kyiv: Berlin will deliver", "Patriot air defence", YES },
	{ NULL, "The Patriot Act expanded surveillance; a missile bill", "Patriot air defence", NO },
	{ NULL, "New England Patriots beat the Jets", "Patriot air defence", NO },
	{ NULL, "Patriots quarterback throws a touchdown to seal the missile-like drive", "Patriot air defence", NO },
	{ NULL, "He was a true patriot and a missile engineer", "Patriot air defence", NO },
	/* other systems */
	{ NULL, "HIMARS strike on a depot", "HIMARS", YES },
	{ NULL, "ATACMS used against Crimea", "ATACMS", YES },
	{ NULL, "F-16s arrive in Ukraine", "F-16", YES },
	{ NULL, "first F\u201116 jets", "F-16", YES },
	{ NULL, "the F-160 engine test", "F-16", NO },
	{ NULL, "Storm Shadow missiles hit", "Storm Shadow", YES },
	{ NULL, "Storm Shadow returns in the new G.I. Joe film", "Storm Shadow", NO },
	{ NULL, "Taurus cruise missiles for Ukraine", "Taurus", YES },
	{ NULL, "Merz weighs a Taurus delivery", "Taurus", YES },
	{ NULL, "Ford Taurus recall affects missile-shaped mirrors", "Taurus", NO },
	{ NULL, "Taurus horoscope: Germany trip ahead", "Taurus", NO },
	{ NULL, "Taurus is a constellation", "Taurus", NO },
	{ NULL, "taurus in lower case near a missile", "Taurus", NO },
	/* rules */
	{ NULL, "Hegseth attends the Ramstein format meeting", "Hegseth at Ramstein", YES },
	{ NULL, "Hegseth visits Texas", "Hegseth at Ramstein", NO },
	{ NULL, "Zelenskyy at the Munich Security Conference", "Zelenskyy at Munich", YES },
	{ NULL, "Hegseth met Rutte in Brussels", "Hegseth and Rutte", YES },
	{ NULL, "Hegseth spoke. One two three four five six seven eight nine ten eleven twelve "
	        "thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty twentyone Rutte",
	  "Hegseth and Rutte", NO },
	{ NULL, "Ramstein format meets without Washington", "Ramstein without the Americans", YES },
	{ NULL, "Ramstein format meets; Hegseth absent", "Ramstein without the Americans", NO },
};

/* Against tests/fixtures/watchlists/forms: every entry form. */
static const struct mcase forms[] = {
	{ NULL, "the Kyiv Independent reports", "Plain", YES },
	{ NULL, "KYIV INDEPENDENT", "Plain", YES },
	{ NULL, "Kyiv Independents", "Plain", NO },
	{ NULL, "ACME ships", "Exact only", YES },
	{ NULL, "Acme ships", "Exact only", NO },
	{ NULL, "Ramsteiner Bier", "Prefix", YES },
	{ NULL, "Ramstein", "Prefix", YES },
	{ NULL, "Rammstein", "Prefix", NO },
	{ "title", "Breaking: news", "Title only", YES },
	{ NULL, "Breaking: news", "Title only", NO },
	{ NULL, "Gripen jets. Many words later, far away, Sweden", "Item context", YES },
	{ NULL, "Gripen jets for Thailand", "Item context", NO },
	{ NULL, "Caesar self-propelled howitzer", "Near context", YES },
	{ NULL, "Caesar salad recipes with more artillery", "Near context", NO },
	{ NULL, "T-72B tanks destroyed", "Regex", YES },
	{ NULL, "T-shirt sale", "Regex", NO },
	{ NULL, "ΣΌΦΟΣ", "Greek", YES },
	{ NULL, "σοφος", "Greek", YES },
	{ NULL, "Brussels", "Building block", NO },
	{ NULL, "#StandWithUkraine", "Hashtag", YES },
	{ NULL, "frontline report from Brussels", "Phrase and block", YES },
	{ NULL, "frontline reporter in Brussels", "Phrase and block", NO },
	{ NULL, "Kyiv Independent: drone attack", "Near", YES },
	{ NULL, "Kyiv Independent says one two three four drone", "Near", NO },
	{ NULL, "ACME only", "Not", YES },
	{ NULL, "ACME and Σοφος", "Not", NO },
};

static char *
srcpath(const char *rel)
{
	const char *top = g_getenv("NEWSWATCH_SRCDIR");

	return g_build_filename(top ? top : ".", rel, NULL);
}

static struct watchlists *
load(const char *rel)
{
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	char *dir = srcpath(rel);
	struct watchlists *wl = watchlists_load_dir(dir, errors, NULL);

	for (guint i = 0; i < errors->len; i++)
		g_test_message("%s", (char *)g_ptr_array_index(errors, i));
	g_assert_cmpuint(errors->len, ==, 0);
	g_assert_nonnull(wl);
	g_ptr_array_unref(errors);
	g_free(dir);
	return wl;
}

static struct feed_item *
item_for(const struct mcase *c)
{
	struct feed_item *it = feed_item_new();
	const char *f = c->field ? c->field : "content";

	if (strcmp(f, "title") == 0)
		it->title = g_strdup(c->text);
	else if (strcmp(f, "summary") == 0)
		it->summary = g_strdup(c->text);
	else if (strcmp(f, "author") == 0)
		it->author = g_strdup(c->text);
	else if (strcmp(f, "categories") == 0)
		g_ptr_array_add(it->categories, g_strdup(c->text));
	else
		it->content = g_strdup(c->text);
	return it;
}

static void
run_table(const char *dir, const struct mcase *cases, gsize n)
{
	struct watchlists *wl = load(dir);
	struct matcher *m = matcher_new(wl);
	guint failures = 0;

	for (gsize i = 0; i < n; i++) {
		struct feed_item *it = item_for(&cases[i]);
		GPtrArray *got = matcher_match_item(m, it);
		gboolean found = FALSE;
		for (guint j = 0; j < got->len; j++) {
			const struct match *mm = g_ptr_array_index(got, j);
			if (strcmp(mm->entry, cases[i].entry) == 0) {
				found = TRUE;
				/* Every match explains itself. */
				g_assert_nonnull(strstr(mm->snippet, "[["));
				g_assert_cmpuint(mm->end, >, mm->start);
			}
		}
		if (found != (cases[i].expect == YES)) {
			g_test_message("case %zu: \"%s\" %s match %s", i, cases[i].text,
			               cases[i].expect ? "should" : "should not", cases[i].entry);
			failures++;
		}
		g_ptr_array_unref(got);
		feed_item_free(it);
	}
	g_assert_cmpuint(failures, ==, 0);
	matcher_free(m);
	watchlists_free(wl);
}

static void
test_shipped(void)
{
	run_table("watchlists", shipped, G_N_ELEMENTS(shipped));
}

static void
test_forms(void)
{
	run_table("tests/fixtures/watchlists/forms", forms, G_N_ELEMENTS(forms));
}

static void
test_case_count(void)
{
	g_assert_cmpuint(G_N_ELEMENTS(shipped) + G_N_ELEMENTS(forms), >=, 100);
}

/* The explanation: field, offsets into the original text, snippet, term. */
static void
test_explanation(void)
{
	struct watchlists *wl = load("watchlists");
	struct matcher *m = matcher_new(wl);
	struct feed_item *it = feed_item_new();
	GPtrArray *got;
	const struct match *mm = NULL;

	it->title = g_strdup("Allies meet");
	it->summary = g_strdup("At NATO HQ, Pete Hegseth\u2019s team joined the Ramstein-format talks.");
	got = matcher_match_item(m, it);
	for (guint i = 0; i < got->len; i++) {
		const struct match *x = g_ptr_array_index(got, i);
		if (strcmp(x->entry, "Pete Hegseth") == 0)
			mm = x;
	}
	g_assert_nonnull(mm);
	g_assert_cmpstr(mm->list, ==, "people");
	g_assert_cmpstr(mm->field, ==, "summary");
	g_assert_cmpstr(mm->term, ==, "Pete Hegseth");
	g_assert_cmpuint(mm->start, ==, 12);
	g_assert_cmpuint(mm->end, ==, 24);
	g_assert_cmpstr(mm->snippet, ==,
	                "At NATO HQ, [[Pete Hegseth]]\u2019s team joined the Ramstein-format talks.");
	g_assert_cmpint(mm->priority, ==, PRIORITY_HIGH);
	/* The rule is first: urgent. */
	mm = g_ptr_array_index(got, 0);
	g_assert_true(mm->is_rule);
	g_assert_cmpstr(mm->entry, ==, "Hegseth at Ramstein");
	g_assert_cmpint(mm->priority, ==, PRIORITY_URGENT);
	g_ptr_array_unref(got);
	feed_item_free(it);
	matcher_free(m);
	watchlists_free(wl);
}

/* Vetoes come back with their reasons. */
static void
test_vetoes(void)
{
	static const struct { const char *text; const char *entry; const char *reason; } cases[] = {
		{ "MSC Cruises sails from Munich", "Munich Security Conference", "excluded by 'MSC Cruises'" },
		{ "the Patriot Act and missile defence", "Patriot air defence", "part of 'Patriot Act'" },
		{ "Ramstein Air Base open day", "Ukraine Defense Contact Group", "no context word" },
		{ "an MSc from Munich", "Munich Security Conference", "letter case differs" },
	};
	struct watchlists *wl = load("watchlists");
	struct matcher *m = matcher_new(wl);

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct feed_item *it = feed_item_new();
		struct match_explanation *x;
		gboolean found = FALSE;
		it->content = g_strdup(cases[i].text);
		x = matcher_explain_item(m, it);
		for (guint j = 0; j < x->matches->len; j++)
			g_assert_cmpstr(((struct match *)g_ptr_array_index(x->matches, j))->entry, !=,
			                cases[i].entry);
		for (guint j = 0; j < x->vetoes->len; j++) {
			const struct match *v = g_ptr_array_index(x->vetoes, j);
			if (strcmp(v->entry, cases[i].entry) == 0 && v->reason &&
			    strstr(v->reason, cases[i].reason))
				found = TRUE;
		}
		if (!found)
			g_test_message("no veto '%s' for \"%s\"", cases[i].reason, cases[i].text);
		g_assert_true(found);
		match_explanation_free(x);
		feed_item_free(it);
	}
	matcher_free(m);
	watchlists_free(wl);
}

/* Buffers are reused: many items through one matcher give the same answers. */
static void
test_reuse(void)
{
	struct watchlists *wl = load("watchlists");
	struct matcher *m = matcher_new(wl);

	for (int round = 0; round < 3; round++) {
		for (gsize i = 0; i < G_N_ELEMENTS(shipped); i++) {
			struct feed_item *it = item_for(&shipped[i]);
			GPtrArray *got = matcher_match_item(m, it);
			gboolean found = FALSE;
			for (guint j = 0; j < got->len; j++)
				found |= strcmp(((struct match *)g_ptr_array_index(got, j))->entry,
				                shipped[i].entry) == 0;
			g_assert_cmpint(found, ==, shipped[i].expect == YES);
			g_ptr_array_unref(got);
			feed_item_free(it);
		}
	}
	matcher_free(m);
	watchlists_free(wl);
}

static void
test_empty(void)
{
	GPtrArray *errors = g_ptr_array_new_with_free_func(g_free);
	struct watchlists *wl = watchlists_load_data("", "empty.watch", errors, NULL);
	struct matcher *m = matcher_new(wl);
	struct feed_item *it = feed_item_new();
	GPtrArray *got;

	it->title = g_strdup("Hegseth");
	got = matcher_match_item(m, it);
	g_assert_cmpuint(got->len, ==, 0);
	g_ptr_array_unref(got);
	feed_item_free(it);
	matcher_free(m);
	watchlists_free(wl);
	g_ptr_array_unref(errors);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/match/shipped", test_shipped);
	g_test_add_func("/match/forms", test_forms);
	g_test_add_func("/match/case-count", test_case_count);
	g_test_add_func("/match/explanation", test_explanation);
	g_test_add_func("/match/vetoes", test_vetoes);
	g_test_add_func("/match/reuse", test_reuse);
	g_test_add_func("/match/empty", test_empty);
	return g_test_run();
}
