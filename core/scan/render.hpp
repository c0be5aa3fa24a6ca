// Renderings of a scan report: JSON (share/scan/scan.schema.json), CSV (one row per content
// group), a readable text report and a self-contained HTML page. All are deterministic.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/scan/report.hpp"

namespace core::scan {

struct GateOutcome;  // gate.hpp

// Receives the output piece by piece (large reports are never held as one string).
using Write = std::function<void(std::string_view)>;

// The whole document as one JSON value (tests, small reports).
void to_json(nlohmann::ordered_json& j, const Report& report);

// The JSON document, two-space indented, with a final newline, streamed one group at a time.
// `top` > 0 keeps only the first `top` groups (they are sorted by bytes saved). `gate`: the
// --fail-if / --baseline outcome, written as the "gate" object before the groups.
void write_json(const Report& report, std::size_t top, const Write& out, const GateOutcome* gate = nullptr);
std::string render_json(const Report& report, std::size_t top = 0);

// Header line plus one line per group (RFC 4180 quoting); `top` as for write_json.
void write_csv(const Report& report, std::size_t top, const Write& out);
std::string render_csv(const Report& report, std::size_t top = 0);
// The build drift tables (scan --csv-table drift-paths / drift-prefixes): a header line plus one
// line per row of Report::drift, in report order.
void write_csv_drift_paths(const Report& report, const Write& out);
void write_csv_drift_prefixes(const Report& report, const Write& out);

// The readable report: totals, inputs, reasons, pair overlap and the first `top` groups.
std::string render_text(const Report& report, std::size_t top);

// One HTML page with inline CSS only (no scripts, no fetches): the tool version and command
// line (Report::command_line), totals, the copies that do not share by status and reason with
// what to do (reason_advice), savings bars per input and image (now vs once tagged), the
// pair-overlap heat map with the input names on its axes, the build drift (top paths and
// directories, Report::drift), the first `top` groups and each input's identity
// (InputRow::identity).
std::string render_html(const Report& report, std::size_t top);

// "1.5 MiB" style rendering of a byte count (binary units, one decimal).
std::string human_bytes(u64 bytes);

}  // namespace core::scan
