// Internal to the HTML rendering (render_html*.cpp): the escaping of names, the status colours
// and the page's sections, each appending its HTML to one string. render_html() (render.hpp)
// calls the sections in order; a new section is one more function here and one call there.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/scan/report.hpp"

namespace core::scan::html {

// `text` with the five HTML-special characters as entities (text that is already safe to show:
// ASCII, or the output of util::display()).
std::string escape(std::string_view text);
// A name from an input as HTML text or attribute: util::display() (so the page shows the same
// escapes as the text report and holds valid UTF-8 only), then escape().
std::string name(std::string_view raw);
// A name for a narrow place (a heat-map axis): displayed as name() does, cut in the middle to at
// most `max_chars` code points ("first 10…last"), in a span whose title holds the whole name.
std::string short_name(std::string_view raw, std::size_t max_chars = 24);
// The displayed form short_name() shows, before HTML escaping (exposed for tests).
std::string shorten(std::string_view displayed, std::size_t max_chars);

// The CSS class of a status ("st-shares_now", ...) and a badge: its colour and its name as
// text, so the page reads the same without colour.
std::string status_class(Status status);
std::string status_badge(Status status);

// Sections, in page order (render_html.cpp).
void provenance(std::string& o, const Report& r);       // tool version and command line
void status_legend(std::string& o);                     // what each status colour means
void reasons_table(std::string& o, const Report& r);    // copies not sharing now, by reason, with advice
void input_errors(std::string& o, const Report& r);     // --keep-going: the inputs left out
void identities(std::string& o, const Report& r);       // each input's digest or other identity
void drift_section(std::string& o, const Report& r);    // build drift: top paths and directories (render_html_drift.cpp)

}  // namespace core::scan::html
