#!/bin/sh
# Doxygen INPUT_FILTER for our headers (see docs/Doxyfile): prints the header with its plain C
# comments turned into Doxygen comments, leaving the file on disk untouched.
#  - the file's first comment                  -> /** @file ... */
#  - a comment on lines of its own             -> /** ... */   (documents what follows)
#  - a comment after code on the same line     -> /**< ... */  (documents that member or value)
#  - section banners (/* ---- */ lines, the title between two of them, "---- version 2 ----")
#    stay plain comments.
# Inside doc comments '@' is escaped (Doxygen would read it as a command); comments must not use
# '\' or '<word>' outside double quotes or backquotes (the docs_doxygen test says where).
exec awk '
function esc(s) {
	gsub(/@/, "\\@", s)
	return s
}
function dashes(s) { return s ~ /^[ \t]*\/\* *-----/ }
{ line[NR] = $0 }
END {
	incom = 0; doc = 0; seen_code = 0
	for (i = 1; i <= NR; i++) {
		l = line[i]
		if (incom) {
			e = index(l, "*/")
			if (e == 0) { print (doc ? esc(l) : l); continue }
			print (doc ? esc(substr(l, 1, e - 1)) : substr(l, 1, e - 1)) substr(l, e)
			incom = 0
			continue
		}
		s = index(l, "/*")
		if (s == 0) {
			if (l ~ /[^ \t]/) seen_code = 1
			print l
			continue
		}
		prefix = substr(l, 1, s - 1)
		rest = substr(l, s + 2)
		if (substr(rest, 1, 1) == "*") { # already a doc comment
			print l
			if (index(rest, "*/") == 0) { incom = 1; doc = 0 }
			continue
		}
		plain = 0
		if (prefix ~ /^[ \t]*$/) {
			if (dashes(l) || rest ~ /^ *----/) plain = 1
			else if (index(rest, "*/") && (dashes(line[i - 1]) || dashes(line[i + 1]))) plain = 1
			marker = seen_code ? "/**" : "/** @file"
		} else {
			marker = "/**<"
			seen_code = 1
		}
		e = index(rest, "*/")
		if (plain) {
			print l
			if (e == 0) { incom = 1; doc = 0 }
			continue
		}
		if (e == 0) {
			print prefix marker esc(rest)
			incom = 1; doc = 1
		} else {
			print prefix marker esc(substr(rest, 1, e - 1)) substr(rest, e)
		}
		if (marker == "/** @file") seen_code = 1
	}
}' "$1"
