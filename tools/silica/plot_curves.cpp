// curves.png: two panels (loss, accuracy) per epoch, drawn with cairo.
#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>

#include "metrics.h"
#include "silica/error.h"

namespace silica::cli {

namespace {

constexpr int kWidth = 1100, kHeight = 440;
constexpr double kTrainColor[3] = {0.12, 0.47, 0.71};  // blue
constexpr double kTestColor[3] = {1.00, 0.50, 0.05};   // orange

// A "nice" tick step (1, 2 or 5 times a power of ten) giving about `target` ticks.
double nice_step(double range, int target) {
  double raw = range / target;
  double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double norm = raw / mag;
  double step = norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10;
  return step * mag;
}

struct Panel {
  double x, y, w, h;     // plot area in pixels
  double x0, x1, y0, y1; // data range
  double px(double v) const { return x + (v - x0) / (x1 - x0) * w; }
  double py(double v) const { return y + h - (v - y0) / (y1 - y0) * h; }
};

void text(cairo_t* cr, double x, double y, const std::string& s, double align_x, double align_y) {
  cairo_text_extents_t e;
  cairo_text_extents(cr, s.c_str(), &e);
  cairo_move_to(cr, x - e.width * align_x - e.x_bearing, y - e.height * align_y - e.y_bearing);
  cairo_show_text(cr, s.c_str());
}

void draw_series(cairo_t* cr, const Panel& p, const std::vector<EpochMetrics>& m,
                 const std::function<double(const EpochMetrics&)>& value, const double* rgb) {
  cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
  cairo_set_line_width(cr, 2.0);
  for (size_t i = 0; i < m.size(); ++i) {
    double X = p.px(m[i].epoch), Y = p.py(value(m[i]));
    if (i == 0) cairo_move_to(cr, X, Y);
    else cairo_line_to(cr, X, Y);
  }
  cairo_stroke(cr);
  for (const auto& e : m) {
    cairo_arc(cr, p.px(e.epoch), p.py(value(e)), 3.5, 0, 2 * M_PI);
    cairo_fill(cr);
  }
}

void draw_panel(cairo_t* cr, Panel p, const std::string& title, const std::string& y_label,
                const std::vector<EpochMetrics>& m, const std::function<double(const EpochMetrics&)>& train,
                const std::function<double(const EpochMetrics&)>& test, bool percent) {
  // Axes box and grid.
  cairo_set_source_rgb(cr, 0.97, 0.97, 0.97);
  cairo_rectangle(cr, p.x, p.y, p.w, p.h);
  cairo_fill(cr);
  cairo_set_font_size(cr, 12);
  double ystep = nice_step(p.y1 - p.y0, 5);
  for (double v = std::ceil(p.y0 / ystep) * ystep; v <= p.y1 + 1e-12; v += ystep) {
    cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
    cairo_set_line_width(cr, 1.0);
    cairo_move_to(cr, p.x, p.py(v));
    cairo_line_to(cr, p.x + p.w, p.py(v));
    cairo_stroke(cr);
    char buf[32];
    if (percent) std::snprintf(buf, sizeof buf, "%.4g%%", v * 100.0);
    else std::snprintf(buf, sizeof buf, "%.3g", v);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    text(cr, p.x - 6, p.py(v), buf, 1.0, 0.5);
  }
  double xstep = std::max(1.0, std::round(nice_step(p.x1 - p.x0, 8)));
  for (double v = std::ceil(p.x0); v <= p.x1 + 1e-9; v += xstep) {
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    text(cr, p.px(v), p.y + p.h + 6, std::to_string(static_cast<int>(v)), 0.5, 0.0);
  }
  cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
  cairo_set_line_width(cr, 1.0);
  cairo_rectangle(cr, p.x, p.y, p.w, p.h);
  cairo_stroke(cr);
  // Labels.
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  cairo_set_font_size(cr, 15);
  text(cr, p.x + p.w / 2, p.y - 14, title, 0.5, 1.0);
  cairo_set_font_size(cr, 12);
  text(cr, p.x + p.w / 2, p.y + p.h + 26, "epoch", 0.5, 0.0);
  cairo_save(cr);
  cairo_translate(cr, p.x - 52, p.y + p.h / 2);
  cairo_rotate(cr, -M_PI / 2);
  text(cr, 0, 0, y_label, 0.5, 0.5);
  cairo_restore(cr);
  // Data, clipped to the box.
  cairo_save(cr);
  cairo_rectangle(cr, p.x, p.y, p.w, p.h);
  cairo_clip(cr);
  draw_series(cr, p, m, train, kTrainColor);
  draw_series(cr, p, m, test, kTestColor);
  cairo_restore(cr);
  // Legend.
  const char* names[2] = {"train", "test"};
  const double* colors[2] = {kTrainColor, kTestColor};
  for (int i = 0; i < 2; ++i) {
    double lx = p.x + p.w - 90, ly = p.y + 16 + i * 18;
    cairo_set_source_rgb(cr, colors[i][0], colors[i][1], colors[i][2]);
    cairo_set_line_width(cr, 2.0);
    cairo_move_to(cr, lx, ly);
    cairo_line_to(cr, lx + 22, ly);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    text(cr, lx + 28, ly, names[i], 0.0, 0.5);
  }
}

// Data range padded by 5% on each side (a flat series gets a small fixed span).
void fit_range(const std::vector<EpochMetrics>& m, const std::function<double(const EpochMetrics&)>& a,
               const std::function<double(const EpochMetrics&)>& b, double& lo, double& hi) {
  lo = INFINITY;
  hi = -INFINITY;
  for (const auto& e : m) {
    for (double v : {a(e), b(e)}) {
      if (!std::isfinite(v)) continue;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  if (!std::isfinite(lo)) lo = 0, hi = 1;
  double span = std::max(hi - lo, 1e-3 * std::max(1.0, std::fabs(hi)));
  lo -= 0.05 * span;
  hi += 0.05 * span;
}

}  // namespace

void plot_curves(const std::vector<EpochMetrics>& m, const std::string& png_path) {
  cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, kWidth, kHeight);
  cairo_t* cr = cairo_create(surface);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);

  double x0 = m.empty() ? 0.5 : m.front().epoch - 0.5, x1 = m.empty() ? 1.5 : m.back().epoch + 0.5;
  auto train_loss = [](const EpochMetrics& e) { return e.train_loss; };
  auto test_loss = [](const EpochMetrics& e) { return e.test_loss; };
  auto train_acc = [](const EpochMetrics& e) { return e.train_accuracy; };
  auto test_acc = [](const EpochMetrics& e) { return e.test_accuracy; };
  double l0, l1, a0, a1;
  fit_range(m, train_loss, test_loss, l0, l1);
  fit_range(m, train_acc, test_acc, a0, a1);
  l0 = std::max(0.0, l0);
  a1 = std::min(1.0, a1);
  double pw = (kWidth - 3 * 80) / 2.0, ph = kHeight - 110;
  draw_panel(cr, {80, 50, pw, ph, x0, x1, l0, l1}, "Loss", "cross-entropy", m, train_loss, test_loss, false);
  draw_panel(cr, {80 * 2 + pw, 50, pw, ph, x0, x1, a0, a1}, "Accuracy", "accuracy", m, train_acc, test_acc, true);

  cairo_status_t status = cairo_surface_write_to_png(surface, png_path.c_str());
  cairo_destroy(cr);
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS)
    throw Error("[plot] cannot write " + png_path + ": " + cairo_status_to_string(status));
}

}  // namespace silica::cli
