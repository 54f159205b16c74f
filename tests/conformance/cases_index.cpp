// Rows of the conformance table for indexing (index_select, index_add, gather, scatter_add,
// embedding, one_hot) and for joining/splitting (cat, stack, split, chunk).
//
// Index inputs have more entries than the indexed axis has positions, so duplicates are
// certain and the accumulating gradients (index_add, scatter_add) are exercised.
#include "conformance/conformance.h"

namespace silica::conformance {

namespace {

const std::vector<DType> kFloat = {DType::f32, DType::f64, DType::f16, DType::bf16};
const std::vector<DType> kInt = {DType::i32, DType::i64};

using Run = std::function<Tensor(const std::vector<Tensor>&)>;

Input in(Shape shape, Values values = Values::normal, int64_t high = 10, bool strided = false) {
  Input i;
  i.shape = std::move(shape);
  i.values = values;
  i.high = high;
  i.strided = strided;
  return i;
}
Input strided(Shape shape) { return in(std::move(shape), Values::normal, 10, true); }
/// i64 indices in [0, high).
Input idx(Shape shape, int64_t high, bool is_strided = false) {
  return in(std::move(shape), Values::index, high, is_strided);
}
/// Integer values for the integer-dtype rows.
Input ints(Shape shape, bool is_strided = false) {
  return in(std::move(shape), Values::integer, 20, is_strided);
}

void add(std::vector<Case>& cases, std::string name, std::vector<Input> inputs, Run run,
         std::vector<DType> dtypes = kFloat, bool grad = true) {
  Case c;
  c.name = std::move(name);
  c.inputs = std::move(inputs);
  c.run = std::move(run);
  c.dtypes = std::move(dtypes);
  c.grad = grad;
  cases.push_back(std::move(c));
}

void index_select_cases(std::vector<Case>& cases) {
  auto along = [](int64_t axis) {
    return [axis](const std::vector<Tensor>& x) { return index_select(x[0], axis, x[1]); };
  };
  add(cases, "index_select/first_axis", {in({7, 5}), idx({9}, 7)}, along(0));
  add(cases, "index_select/middle_axis", {in({3, 6, 4}), idx({8}, 6)}, along(1));
  add(cases, "index_select/last_axis_strided", {strided({4, 5}), idx({7}, 5, true)}, along(-1));
  add(cases, "index_select/1d", {in({10}), idx({13}, 10)}, along(0));
  add(cases, "index_select/empty_index", {in({4, 5}), idx({0}, 4)}, along(0));
  add(cases, "index_select/int", {ints({6, 5}), idx({8}, 6)}, along(0), kInt, false);
  add(cases, "index_select/large", {in({300, 257}), idx({400}, 300)}, along(0), {DType::f32}, false);
}

void index_add_cases(std::vector<Case>& cases) {
  auto along = [](int64_t axis) {
    return [axis](const std::vector<Tensor>& x) { return index_add(x[0], axis, x[1], x[2]); };
  };
  add(cases, "index_add/first_axis", {in({6, 4}), idx({9}, 6), in({9, 4})}, along(0));
  add(cases, "index_add/middle_axis", {in({2, 5, 3}), idx({7}, 5), in({2, 7, 3})}, along(1));
  add(cases, "index_add/last_axis_strided", {strided({4, 6}), idx({8}, 6, true), strided({4, 8})}, along(-1));
  add(cases, "index_add/empty_index", {in({4, 3}), idx({0}, 4), in({0, 3})}, along(0));
  add(cases, "index_add/int", {ints({5, 4}), idx({9}, 5), ints({9, 4})}, along(0), kInt, false);
  add(cases, "index_add/large", {in({50, 300}), idx({400}, 50), in({400, 300})}, along(0), {DType::f32},
      false);
  // Rows longer than one task's slice of the inner axis.
  add(cases, "index_add/long_rows", {in({3, 9000}), idx({5}, 3), in({5, 9000})}, along(0), {DType::f32},
      false);
}

void gather_scatter_cases(std::vector<Case>& cases) {
  auto gather_along = [](int64_t axis) {
    return [axis](const std::vector<Tensor>& x) { return gather(x[0], axis, x[1]); };
  };
  // The index may be longer on the gathered axis and shorter on the others.
  add(cases, "gather/first_axis", {in({5, 4}), idx({7, 3}, 5)}, gather_along(0));
  add(cases, "gather/middle_axis", {in({3, 6, 4}), idx({2, 9, 4}, 6)}, gather_along(1));
  add(cases, "gather/last_axis_strided", {strided({4, 7}), idx({4, 10}, 7, true)}, gather_along(-1));
  add(cases, "gather/empty_index", {in({4, 5}), idx({4, 0}, 5)}, gather_along(1));
  add(cases, "gather/int", {ints({5, 6}), idx({5, 8}, 6)}, gather_along(1), kInt, false);
  add(cases, "gather/large", {in({300, 200}), idx({300, 250}, 200)}, gather_along(1), {DType::f32}, false);

  auto scatter_along = [](int64_t axis) {
    return [axis](const std::vector<Tensor>& x) { return scatter_add(x[0], axis, x[1], x[2]); };
  };
  add(cases, "scatter_add/first_axis", {in({5, 4}), idx({8, 4}, 5), in({8, 4})}, scatter_along(0));
  // src larger than the index: only its leading part is used (and gets gradient).
  add(cases, "scatter_add/middle_axis", {in({3, 4, 5}), idx({3, 7, 2}, 4), in({3, 8, 5})}, scatter_along(1));
  add(cases, "scatter_add/last_axis_strided", {strided({4, 6}), idx({4, 9}, 6, true), strided({4, 9})},
      scatter_along(-1));
  add(cases, "scatter_add/1d", {in({6}), idx({15}, 6), in({15})}, scatter_along(0));
  add(cases, "scatter_add/int", {ints({5, 4}), idx({8, 4}, 5), ints({8, 4})}, scatter_along(0), kInt, false);
  add(cases, "scatter_add/large", {in({200, 300}), idx({400, 300}, 200), in({400, 300})}, scatter_along(0),
      {DType::f32}, false);
}

void embedding_one_hot_cases(std::vector<Case>& cases) {
  auto emb = [](const std::vector<Tensor>& x) { return embedding(x[0], x[1]); };
  add(cases, "embedding/2d_indices", {in({10, 6}), idx({3, 5}, 10)}, emb);
  add(cases, "embedding/strided_weight", {strided({8, 5}), idx({11}, 8)}, emb);
  add(cases, "embedding/scalar_index", {in({6, 3}), idx({}, 6)}, emb);
  add(cases, "embedding/empty_indices", {in({6, 3}), idx({2, 0}, 6)}, emb);
  // one_hot has no gradient of its own; scaling by a weight per class gives the row one.
  add(cases, "one_hot/times_weight", {idx({3, 4}, 5), in({5})},
      [](const std::vector<Tensor>& x) { return one_hot(x[0], 5, x[1].dtype()) * x[1]; });
  Run one_hot_int = [](const std::vector<Tensor>& x) { return one_hot(x[0], 6, x[1].dtype()); };
  add(cases, "one_hot/int", {idx({7}, 4), ints({1})}, one_hot_int, kInt, false);
}

void join_cases(std::vector<Case>& cases) {
  auto cat_along = [](int64_t axis) { return [axis](const std::vector<Tensor>& x) { return cat(x, axis); }; };
  add(cases, "cat/first_axis", {in({3, 4}), in({5, 4}), in({1, 4})}, cat_along(0));
  add(cases, "cat/middle_axis", {strided({2, 3, 4}), in({2, 1, 4}), in({2, 5, 4})}, cat_along(1));
  add(cases, "cat/last_axis", {in({4, 3}), strided({4, 6})}, cat_along(-1));
  add(cases, "cat/empty_piece", {in({3, 4}), in({0, 4}), in({2, 4})}, cat_along(0));
  add(cases, "cat/single", {in({3, 5})}, cat_along(1));
  {
    // Promotion: the second piece is always f64, so the result is f64 for every row dtype.
    Input wide = in({2, 4});
    wide.dtype = DType::f64;
    add(cases, "cat/promote", {in({3, 4}), wide}, cat_along(0));
  }
  add(cases, "cat/int", {ints({2, 3}), ints({2, 5})}, cat_along(1), kInt, false);

  auto stack_along = [](int64_t axis) {
    return [axis](const std::vector<Tensor>& x) { return stack(x, axis); };
  };
  add(cases, "stack/first_axis", {in({4, 5}), in({4, 5}), in({4, 5})}, stack_along(0));
  add(cases, "stack/middle_axis", {in({4, 5}), strided({4, 5})}, stack_along(1));
  add(cases, "stack/last_axis", {in({3, 2}), in({3, 2}), strided({3, 2})}, stack_along(-1));
  add(cases, "stack/int", {ints({3, 4}), ints({3, 4})}, stack_along(0), kInt, false);

  // Pieces are scaled by 1, 2, 3, ... and joined again, so each piece's gradient differs.
  auto rejoin = [](const std::vector<Tensor>& pieces, int64_t axis) {
    std::vector<Tensor> scaled;
    for (size_t i = 0; i < pieces.size(); ++i) scaled.push_back(pieces[i] * static_cast<double>(i + 1));
    return cat(scaled, axis);
  };
  add(cases, "split/size", {in({10, 3})},
      [rejoin](const std::vector<Tensor>& x) { return rejoin(split(x[0], 3, 0), 0); });
  add(cases, "split/sizes_last_axis", {strided({4, 9})}, [rejoin](const std::vector<Tensor>& x) {
    return rejoin(split(x[0], std::vector<int64_t>{2, 0, 4, 3}, -1), -1);
  });
  add(cases, "chunk/middle_axis", {in({2, 7, 3})},
      [rejoin](const std::vector<Tensor>& x) { return rejoin(chunk(x[0], 3, 1), 1); });
  add(cases, "chunk/even", {strided({8, 4})},
      [rejoin](const std::vector<Tensor>& x) { return rejoin(chunk(x[0], 4, 0), 0); });
  Run split_int = [rejoin](const std::vector<Tensor>& x) { return rejoin(split(x[0], 4, 0), 0); };
  add(cases, "split/int", {ints({9, 2})}, split_int, kInt, false);
}

}  // namespace

void add_index_cases(std::vector<Case>& cases) {
  index_select_cases(cases);
  index_add_cases(cases);
  gather_scatter_cases(cases);
  embedding_one_hot_cases(cases);
  join_cases(cases);
}

}  // namespace silica::conformance
