# fuzz.mk — used by tests/fuzz/run: the library and every target built with
# clang, libFuzzer, ASan and UBSan. Objects in $(FUZZ_BUILD); header
# dependencies tracked, so a rerun only rebuilds what changed.
FUZZ_BUILD ?= build-fuzz
CC := clang
PKGS := libcurl libxml-2.0 glib-2.0 gio-2.0 libnotify sqlite3 jansson libsystemd
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
CFLAGS := -std=c11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Wno-unused-parameter $(SAN) -fsanitize=fuzzer-no-link \
          $(shell pkg-config --cflags $(PKGS)) -DNEWSWATCH_VERSION='"fuzz"' \
          -DNEWSWATCH_DATADIR='"/nonexistent"' -Isrc -Itests/fuzz
LIBS := $(shell pkg-config --libs $(PKGS)) -lm

LIB_SRC := $(filter-out src/main.c,$(wildcard src/*.c))
LIB_OBJ := $(LIB_SRC:src/%.c=$(FUZZ_BUILD)/obj/%.o)
TARGETS := $(patsubst tests/fuzz/%.c,$(FUZZ_BUILD)/%,$(wildcard tests/fuzz/fuzz_*.c))

all: $(TARGETS)

$(FUZZ_BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	@$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_BUILD)/libnewswatch-fuzz.a: $(LIB_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_BUILD)/libnewswatch-fuzz.a
	@echo "  CC $@"
	@$(CC) $(CFLAGS) -fsanitize=fuzzer -MMD -MP -o $@ $< $(FUZZ_BUILD)/libnewswatch-fuzz.a $(LIBS)

-include $(wildcard $(FUZZ_BUILD)/obj/*.d $(FUZZ_BUILD)/*.d)
