// CSV, .npy and IDX readers (plain and gzip-compressed) and the CSV writers,
// on files written to a private temporary directory.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/readers.h"

namespace fs = std::filesystem;
using tdcm::data::CsvOptions;
using tdcm::data::Matrix;
using tdcm::data::Uint8As;

namespace {

class Readers : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    dir_ = fs::temp_directory_path() / ("tdcm_readers_" + std::to_string(::getpid()) + "_" +
                                        std::to_string(stamp) + "_" + std::to_string(counter++));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string path(const std::string &name) const { return (dir_ / name).string(); }

  std::string write(const std::string &name, const std::string &content) const {
    const std::string p = path(name);
    std::ofstream out(p, std::ios::binary);
    out << content;
    return p;
  }

  static std::string slurp(const std::string &p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  // Minimal .npy writer: magic, version, padded header, raw body.
  std::string write_npy(const std::string &name, const std::string &descr, const std::string &shape,
                        const std::string &body, int major = 1,
                        const std::string &fortran = "False") const {
    std::string header =
        "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }";
    const size_t prefix = major == 1 ? 10 : 12;
    while ((prefix + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::string out("\x93NUMPY", 6);
    out += static_cast<char>(major);
    out += '\0';
    const uint32_t len = static_cast<uint32_t>(header.size());
    out += static_cast<char>(len & 0xff);
    out += static_cast<char>((len >> 8) & 0xff);
    if (major != 1) {
      out += static_cast<char>((len >> 16) & 0xff);
      out += static_cast<char>((len >> 24) & 0xff);
    }
    return write(name, out + header + body);
  }

  // An IDX file: two zero bytes, the type, the number of dimensions, the
  // dimensions as big-endian uint32, then `body` as given.
  static std::string idx(unsigned char type, const std::vector<uint32_t> &dims,
                         const std::string &body) {
    std::string out("\0\0", 2);
    out += static_cast<char>(type);
    out += static_cast<char>(dims.size());
    for (const uint32_t d : dims) out += be(d);
    return out + body;
  }

  static std::string be(uint32_t v) {
    return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
            static_cast<char>(v)};
  }

  // gzip-compresses `raw` (one member, as the gzip tool writes).
  static std::string gzip(const std::string &raw) {
    z_stream zs{};
    EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    std::string out(deflateBound(&zs, raw.size()) + 64, '\0');
    zs.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(raw.data()));
    zs.avail_in = static_cast<uInt>(raw.size());
    zs.next_out = reinterpret_cast<Bytef *>(&out[0]);
    zs.avail_out = static_cast<uInt>(out.size());
    EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
  }

  template <typename T>
  static std::string bytes(const std::vector<T> &v) {
    std::string s(v.size() * sizeof(T), '\0');
    std::memcpy(s.data(), v.data(), s.size());  // the test host is little-endian
    return s;
  }

  fs::path dir_;
};

// Expects fn() to throw std::runtime_error whose message contains every needle.
template <typename Fn>
void expect_error(Fn fn, const std::vector<std::string> &needles) {
  try {
    fn();
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error &e) {
    const std::string msg = e.what();
    for (const std::string &n : needles) {
      EXPECT_NE(msg.find(n), std::string::npos) << "'" << n << "' not in: " << msg;
    }
  }
}

}  // namespace

TEST_F(Readers, CsvRoundTripIsBitExact) {
  const std::vector<float> x{0.1f,  -2.5f,       1e-30f, 3.4028235e38f, 123456.789f,
                             -0.0f, 1.0f / 3.0f, 7.0f,   1e-45f};
  const std::vector<int32_t> y{3, 0, 2147483647};
  const std::string p = path("m.csv");
  tdcm::data::write_matrix_csv(p, x.data(), y.data(), 3, 3);
  EXPECT_EQ(slurp(p).substr(0, 15), "x0,x1,x2,label\n");
  CsvOptions opt;
  opt.label_column = -2;
  const Matrix m = tdcm::data::read_csv(p, opt);
  EXPECT_EQ(m.rows, 3);
  EXPECT_EQ(m.cols, 3);
  ASSERT_EQ(m.x.size(), x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    uint32_t a, b;
    std::memcpy(&a, &x[i], 4);
    std::memcpy(&b, &m.x[i], 4);
    EXPECT_EQ(a, b) << "element " << i << ": " << x[i] << " vs " << m.x[i];
  }
  EXPECT_EQ(m.labels, y);
}

TEST_F(Readers, CsvWithoutLabelsRoundTrip) {
  const std::vector<float> x{1.5f, 2.0f};
  const std::string p = path("nolabel.csv");
  tdcm::data::write_matrix_csv(p, x.data(), nullptr, 2, 1);
  EXPECT_EQ(slurp(p), "x0\n1.5\n2\n");
  const Matrix m = tdcm::data::read_matrix(p);
  EXPECT_EQ(m.rows, 2);
  EXPECT_EQ(m.cols, 1);
  EXPECT_EQ(m.x, x);
  EXPECT_TRUE(m.labels.empty());
}

TEST_F(Readers, CsvHeaderDetection) {
  const Matrix plain = tdcm::data::read_csv(write("plain.csv", "1,2\n3,4\n"));
  EXPECT_EQ(plain.rows, 2);
  EXPECT_EQ(plain.cols, 2);
  EXPECT_EQ(plain.x, (std::vector<float>{1, 2, 3, 4}));
  const Matrix header = tdcm::data::read_csv(write("header.csv", "a,b\n1,2\n"));
  EXPECT_EQ(header.rows, 1);
  EXPECT_EQ(header.x, (std::vector<float>{1, 2}));
  // One non-numeric field is enough to make a header.
  const Matrix mixed = tdcm::data::read_csv(write("mixed.csv", "1,b\n5,6\n"));
  EXPECT_EQ(mixed.rows, 1);
  EXPECT_EQ(mixed.x, (std::vector<float>{5, 6}));
}

TEST_F(Readers, CsvLabelColumn) {
  const std::string p = write("lab.csv", "label,x,y\n1,0.5,0.25\n0,-1,2e3\n");
  CsvOptions opt;
  opt.label_column = 0;
  const Matrix m = tdcm::data::read_csv(p, opt);
  EXPECT_EQ(m.rows, 2);
  EXPECT_EQ(m.cols, 2);
  EXPECT_EQ(m.x, (std::vector<float>{0.5f, 0.25f, -1.0f, 2000.0f}));
  EXPECT_EQ(m.labels, (std::vector<int32_t>{1, 0}));
  // Middle column, no header.
  const std::string q = write("mid.csv", "0.5,7,1\n");
  opt.label_column = 1;
  const Matrix n = tdcm::data::read_csv(q, opt);
  EXPECT_EQ(n.x, (std::vector<float>{0.5f, 1.0f}));
  EXPECT_EQ(n.labels, (std::vector<int32_t>{7}));
  // Label column 5 of 3.
  opt.label_column = 5;
  expect_error([&] { tdcm::data::read_csv(q, opt); }, {q, "label column 5"});
  // A fractional label.
  opt.label_column = -2;
  const std::string r = write("frac.csv", "1,2\n3,4.5\n");
  expect_error([&] { tdcm::data::read_csv(r, opt); }, {r, "line 2", "column 2"});
}

TEST_F(Readers, CsvWhitespaceCrLfBlankLinesAndDelimiter) {
  const Matrix m =
      tdcm::data::read_csv(write("ws.csv", "x0 , x1\r\n 1 ,\t2 \r\n3,4\r\n\r\n\n  \n"));
  EXPECT_EQ(m.rows, 2);
  EXPECT_EQ(m.x, (std::vector<float>{1, 2, 3, 4}));
  const Matrix no_newline = tdcm::data::read_csv(write("nonl.csv", "1,2\n3,4"));
  EXPECT_EQ(no_newline.rows, 2);
  CsvOptions opt;
  opt.delimiter = ';';
  const Matrix semi = tdcm::data::read_csv(write("semi.csv", "a;b\n1.25;+2\n"), opt);
  EXPECT_EQ(semi.x, (std::vector<float>{1.25f, 2.0f}));
}

TEST_F(Readers, CsvNanAndInfParse) {
  const Matrix m = tdcm::data::read_csv(write("nan.csv", "1,nan\ninf,-inf\nNaN,-Infinity\n"));
  ASSERT_EQ(m.x.size(), 6u);
  EXPECT_EQ(m.x[0], 1.0f);
  EXPECT_TRUE(std::isnan(m.x[1]));
  EXPECT_EQ(m.x[2], std::numeric_limits<float>::infinity());
  EXPECT_EQ(m.x[3], -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(m.x[4]));
  EXPECT_EQ(m.x[5], -std::numeric_limits<float>::infinity());
  // Out of float range: an infinity, not undefined behaviour.
  const Matrix big = tdcm::data::read_csv(write("big.csv", "1e39,-1e400,1e-400\n"));
  EXPECT_EQ(big.x[0], std::numeric_limits<float>::infinity());
  EXPECT_EQ(big.x[1], -std::numeric_limits<float>::infinity());
  EXPECT_EQ(big.x[2], 0.0f);
  // FLT_MAX's shortest text (just above FLT_MAX as a double) stays finite;
  // the first double that rounds up to infinity does not.
  const Matrix edge = tdcm::data::read_csv(write("edge.csv", "3.4028235e38,3.40282357e38\n"));
  EXPECT_EQ(edge.x[0], std::numeric_limits<float>::max());
  EXPECT_EQ(edge.x[1], std::numeric_limits<float>::infinity());
}

TEST_F(Readers, CsvRaggedRowNamesFileAndLine) {
  const std::string p = write("ragged.csv", "a,b\n1,2\n3\n4,5\n");
  expect_error([&] { tdcm::data::read_csv(p); }, {p, "line 3"});
  const std::string q = write("long.csv", "1,2\n3,4,5\n");
  expect_error([&] { tdcm::data::read_csv(q); }, {q, "line 2"});
}

TEST_F(Readers, CsvNonNumericFieldNamesLineAndColumn) {
  const std::string p = write("text.csv", "1,2,3\n4,abc,6\n");
  expect_error([&] { tdcm::data::read_csv(p); }, {p, "line 2", "column 2", "abc"});
  const std::string q = write("empty_field.csv", "1,2\n3,\n");
  expect_error([&] { tdcm::data::read_csv(q); }, {q, "line 2", "column 2"});
  const std::string r = write("trailing.csv", "1,2\n3,4x\n");
  expect_error([&] { tdcm::data::read_csv(r); }, {r, "line 2", "column 2"});
}

TEST_F(Readers, CsvEmptyOrHeaderOnlyOrMissing) {
  const std::string e = write("empty.csv", "");
  expect_error([&] { tdcm::data::read_csv(e); }, {e, "empty"});
  const std::string b = write("blank.csv", "\n\r\n  \n");
  expect_error([&] { tdcm::data::read_csv(b); }, {b, "empty"});
  const std::string h = write("header_only.csv", "a,b\n");
  expect_error([&] { tdcm::data::read_csv(h); }, {h});
  const std::string missing = path("does_not_exist.csv");
  expect_error([&] { tdcm::data::read_csv(missing); }, {missing});
}

TEST_F(Readers, NpyFloat32TwoD) {
  const std::vector<float> v{1.5f, -2.0f, 3.25f, 0.0f, 1e-20f, 7.0f};
  const std::string p = write_npy("f4.npy", "<f4", "(2, 3)", bytes(v));
  const Matrix m = tdcm::data::read_npy(p);
  EXPECT_EQ(m.rows, 2);
  EXPECT_EQ(m.cols, 3);
  EXPECT_EQ(m.x, v);
  EXPECT_TRUE(m.labels.empty());
  // read_matrix dispatches on the extension (any case).
  const std::string q = write_npy("F4.NPY", "<f4", "(3, 2)", bytes(v));
  const Matrix n = tdcm::data::read_matrix(q);
  EXPECT_EQ(n.rows, 3);
  EXPECT_EQ(n.cols, 2);
}

TEST_F(Readers, NpyFloat64OneDAndVersions) {
  const std::vector<double> v{0.1, -1e10, 2.5};
  for (int major : {1, 2, 3}) {
    const std::string p =
        write_npy("f8_v" + std::to_string(major) + ".npy", "<f8", "(3,)", bytes(v), major);
    const Matrix m = tdcm::data::read_npy(p);
    EXPECT_EQ(m.rows, 3);
    EXPECT_EQ(m.cols, 1);
    EXPECT_EQ(m.x, (std::vector<float>{0.1f, -1e10f, 2.5f}));
  }
}

TEST_F(Readers, NpyUint8) {
  const std::string body("\x00\x01\x7f\x80\xff\x10", 6);
  for (const char *descr : {"|u1", "<u1"}) {
    const Matrix m = tdcm::data::read_npy(write_npy("u1.npy", descr, "(3, 2)", body));
    EXPECT_EQ(m.rows, 3);
    EXPECT_EQ(m.cols, 2);
    EXPECT_EQ(m.x, (std::vector<float>{0, 1, 127, 128, 255, 16}));
  }
}

TEST_F(Readers, NpyErrorsNameTheFile) {
  const std::vector<float> v{1, 2, 3, 4};
  const std::string truncated = write_npy("trunc.npy", "<f4", "(2, 3)", bytes(v));
  expect_error([&] { tdcm::data::read_npy(truncated); }, {truncated, "truncated"});
  const std::string extra = write_npy("extra.npy", "<f4", "(1, 3)", bytes(v));
  expect_error([&] { tdcm::data::read_npy(extra); }, {extra});
  const std::string magic = write("magic.npy", "NUMPY\x01\x00garbage-garbage");
  expect_error([&] { tdcm::data::read_npy(magic); }, {magic, "magic"});
  const std::string tiny = write("tiny.npy", "\x93NU");
  expect_error([&] { tdcm::data::read_npy(tiny); }, {tiny});
  const std::string dtype = write_npy("i4.npy", "<i4", "(2, 2)", bytes(v));
  expect_error([&] { tdcm::data::read_npy(dtype); }, {dtype, "<i4"});
  const std::string big_endian = write_npy("be.npy", ">f4", "(2, 2)", bytes(v));
  expect_error([&] { tdcm::data::read_npy(big_endian); }, {big_endian, "dtype"});
  const std::string fortran = write_npy("fo.npy", "<f4", "(2, 2)", bytes(v), 1, "True");
  expect_error([&] { tdcm::data::read_npy(fortran); }, {fortran, "fortran"});
  const std::string zero_d = write_npy("0d.npy", "<f4", "()", bytes(v));
  expect_error([&] { tdcm::data::read_npy(zero_d); }, {zero_d, "0-dimensional"});
  const std::string empty = write_npy("empty.npy", "<f4", "(2, 0)", "");
  expect_error([&] { tdcm::data::read_npy(empty); }, {empty, "empty"});
  const std::string version = write_npy("v9.npy", "<f4", "(2, 2)", bytes(v), 9);
  expect_error([&] { tdcm::data::read_npy(version); }, {version, "version"});
  const std::string header = write("hdr.npy", std::string("\x93NUMPY\x01\x00\xff\x00{'descr'", 17));
  expect_error([&] { tdcm::data::read_npy(header); }, {header, "truncated"});
  const std::string missing = path("none.npy");
  expect_error([&] { tdcm::data::read_matrix(missing); }, {missing});
}

TEST_F(Readers, WriteLabelsCsv) {
  const std::vector<int32_t> y{1, 0, 2};
  const std::string p = path("labels.csv");
  tdcm::data::write_labels_csv(p, y.data(), nullptr, 3, 3);
  EXPECT_EQ(slurp(p), "label\n1\n0\n2\n");
  const std::vector<float> probs{0.25f, 0.75f, 1.0f, 0.0f, 0.1f, 0.9f};
  const std::string q = path("probs.csv");
  tdcm::data::write_labels_csv(q, y.data(), probs.data(), 3, 2);
  EXPECT_EQ(slurp(q), "label,p0,p1\n1,0.25,0.75\n0,1,0\n2,0.1,0.9\n");
  // And it reads back: column 0 holds the labels.
  CsvOptions opt;
  opt.label_column = 0;
  const Matrix m = tdcm::data::read_csv(q, opt);
  EXPECT_EQ(m.labels, y);
  EXPECT_EQ(m.x, probs);
  // Unwritable path.
  const std::string bad = path("no_such_dir/labels.csv");
  expect_error([&] { tdcm::data::write_labels_csv(bad, y.data(), nullptr, 3, 1); }, {bad});
}

TEST_F(Readers, NpyImagesRecordTheirShape) {
  const std::vector<float> v{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  const Matrix m = tdcm::data::read_npy(write_npy("imgs.npy", "<f4", "(2, 2, 3)", bytes(v)));
  EXPECT_EQ(m.rows, 2);
  EXPECT_EQ(m.cols, 6);
  EXPECT_EQ(m.shape, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(m.x, v);
  const Matrix c = tdcm::data::read_npy(write_npy("chw.npy", "<f4", "(1, 3, 2, 2)", bytes(v)));
  EXPECT_EQ(c.rows, 1);
  EXPECT_EQ(c.cols, 12);
  EXPECT_EQ(c.shape, (std::vector<int64_t>{3, 2, 2}));
  // 2-D rows have no image shape; uint8 scales to [0, 1] on request.
  const std::string body("\x00\x33\xff\x66", 4);
  const Matrix u = tdcm::data::read_npy(write_npy("u.npy", "|u1", "(2, 2)", body), Uint8As::kUnit);
  EXPECT_TRUE(u.shape.empty());
  EXPECT_EQ(u.x, (std::vector<float>{0.0f, 0.2f, 1.0f, 0.4f}));
}

TEST_F(Readers, GzipCsvAndNpyReadLikeThePlainFiles) {
  const std::string csv = "a,b\n1,2\n3,4.5\n";
  const Matrix plain = tdcm::data::read_matrix(write("p.csv", csv));
  const Matrix gz = tdcm::data::read_matrix(write("p.csv.gz", gzip(csv)));
  EXPECT_EQ(gz.x, plain.x);
  EXPECT_EQ(gz.rows, 2);
  const std::vector<float> v{1.5f, -2.0f, 3.25f, 0.0f};
  const std::string npy = slurp(write_npy("v.npy", "<f4", "(2, 2)", bytes(v)));
  const Matrix n = tdcm::data::read_matrix(write("v.npy.gz", gzip(npy)));
  EXPECT_EQ(n.x, v);
  EXPECT_EQ(n.cols, 2);
  // Two gzip members, as `cat a.gz b.gz` writes, are one stream.
  const Matrix two = tdcm::data::read_csv(write("two.csv.gz", gzip("1,2\n") + gzip("3,4\n")));
  EXPECT_EQ(two.x, (std::vector<float>{1, 2, 3, 4}));
}

TEST_F(Readers, IdxUbyteImagesPlainAndGzip) {
  // Two 2x3 images, values 0..255.
  const std::string body(
      "\x00\x01\x02\x7f\x80\xff"
      "\x10\x20\x30\x40\x50\x33",
      12);
  const std::string file = idx(0x08, {2, 2, 3}, body);
  const std::vector<float> raw{0, 1, 2, 127, 128, 255, 16, 32, 48, 64, 80, 51};
  for (const std::string name : {"imgs-idx3-ubyte", "imgs-idx3-ubyte.gz", "no_hint.bin"}) {
    const std::string p = write(name, name.find(".gz") != std::string::npos ? gzip(file) : file);
    for (const Matrix &m : {tdcm::data::read_idx(p), tdcm::data::read_matrix(p)}) {
      EXPECT_EQ(m.rows, 2) << name;
      EXPECT_EQ(m.cols, 6) << name;
      EXPECT_EQ(m.shape, (std::vector<int64_t>{1, 2, 3})) << name;
      EXPECT_EQ(m.x, raw) << name;
      EXPECT_TRUE(m.labels.empty()) << name;
    }
    const Matrix unit = tdcm::data::read_matrix(p, {}, Uint8As::kUnit);
    ASSERT_EQ(unit.x.size(), raw.size());
    for (size_t i = 0; i < raw.size(); ++i) EXPECT_EQ(unit.x[i], raw[i] / 255.0f) << name;
    EXPECT_EQ(unit.x[5], 1.0f);
  }
}

TEST_F(Readers, IdxOneDimensionalIntegersAreLabels) {
  const std::string p =
      write("labels-idx1-ubyte", idx(0x08, {5}, std::string("\x09\x00\x03\x02\x07", 5)));
  const Matrix m = tdcm::data::read_matrix(p);
  EXPECT_EQ(m.rows, 5);
  EXPECT_EQ(m.cols, 1);
  EXPECT_TRUE(m.shape.empty());
  EXPECT_EQ(m.labels, (std::vector<int32_t>{9, 0, 3, 2, 7}));
  EXPECT_EQ(m.x, (std::vector<float>{9, 0, 3, 2, 7}));
  // int32 labels beyond float's exact integers stay exact.
  const std::string q = write("big.idx", idx(0x0c, {2}, be(16777217) + be(0xffffffffu)));
  EXPECT_EQ(tdcm::data::read_idx(q).labels, (std::vector<int32_t>{16777217, -1}));
  // A 1-D float file is data, not labels.
  const std::string r = write("f.idx", idx(0x0d, {1}, be(0x3fc00000u)));
  const Matrix f = tdcm::data::read_idx(r);
  EXPECT_TRUE(f.labels.empty());
  EXPECT_EQ(f.x, (std::vector<float>{1.5f}));
}

TEST_F(Readers, IdxOtherElementTypesAreBigEndian) {
  const Matrix b = tdcm::data::read_idx(write("b.idx", idx(0x09, {1, 3}, "\x80\xff\x05")));
  EXPECT_EQ(b.x, (std::vector<float>{-128, -1, 5}));
  EXPECT_TRUE(b.shape.empty());  // 2-D: plain rows
  const Matrix s = tdcm::data::read_idx(write("s.idx", idx(0x0b, {2, 1}, "\x01\x02\xff\xfe")));
  EXPECT_EQ(s.x, (std::vector<float>{258, -2}));
  EXPECT_EQ(s.rows, 2);
  EXPECT_EQ(s.cols, 1);
  const Matrix i =
      tdcm::data::read_idx(write("i.idx", idx(0x0c, {1, 2}, be(70000) + be(0xfffffff6u))));
  EXPECT_EQ(i.x, (std::vector<float>{70000, -10}));
  // float 1.5 = 0x3fc00000, -2.0 = 0xc0000000; double 0.1 = 0x3fb999999999999a.
  const Matrix f =
      tdcm::data::read_idx(write("f.idx", idx(0x0d, {1, 2}, be(0x3fc00000u) + be(0xc0000000u))));
  EXPECT_EQ(f.x, (std::vector<float>{1.5f, -2.0f}));
  const Matrix d =
      tdcm::data::read_idx(write("d.idx", idx(0x0e, {1, 1}, be(0x3fb99999u) + be(0x9999999au))));
  EXPECT_EQ(d.x, (std::vector<float>{0.1f}));
  // Four dimensions: n x C x H x W.
  const Matrix c =
      tdcm::data::read_idx(write("c.idx", idx(0x08, {1, 2, 1, 2}, "\x01\x02\x03\x04")));
  EXPECT_EQ(c.shape, (std::vector<int64_t>{2, 1, 2}));
  EXPECT_EQ(c.cols, 4);
}

TEST_F(Readers, IdxErrorsNameTheFileAndTheByte) {
  const std::string body(12, '\x01');
  struct Case {
    const char *name;
    std::string content;
    std::vector<std::string> needles;
  };
  const std::vector<Case> cases = {
      {"tiny", std::string("\0\0", 2), {"truncated", "magic"}},
      {"magic", "\x01\x02\x08\x03" + be(2) + be(2) + be(3) + body, {"wrong magic", "byte 0"}},
      {"type", idx(0x0a, {2, 2, 3}, body), {"unsupported element type 0x0a", "byte 2"}},
      {"nodims", idx(0x08, {}, body), {"0 dimensions", "byte 3"}},
      {"header", idx(0x08, {2, 2, 3}, "").substr(0, 10), {"truncated header", "16 bytes"}},
      {"body",
       idx(0x08, {2, 2, 3}, body.substr(0, 11)),
       {"truncated body", "2 x 2 x 3 ubyte", "12 bytes", "byte 16", "has 11"}},
      {"wide", idx(0x0b, {2, 4}, body), {"truncated body", "2 x 4 short", "16 bytes"}},
      {"extra", idx(0x08, {2, 2, 3}, body + "xy"), {"2 bytes beyond", "byte 28"}},
      {"zero", idx(0x08, {0, 28, 28}, ""), {"empty", "dimension 0"}},
      {"huge", idx(0x0e, {0xffffffffu, 0xffffffffu, 0xffffffffu}, ""), {"too large"}},
  };
  for (const Case &c : cases) {
    const std::string plain = write(std::string(c.name) + "-idx3-ubyte", c.content);
    std::vector<std::string> needles = c.needles;
    needles.push_back(plain);
    expect_error([&] { tdcm::data::read_idx(plain); }, needles);
    expect_error([&] { tdcm::data::read_matrix(plain); }, needles);
    const std::string gz = write(std::string(c.name) + "-idx3-ubyte.gz", gzip(c.content));
    needles.back() = gz;
    for (const std::string &n : c.needles) {
      // An offset in a gzip file counts bytes of the decompressed data.
      if (n.rfind("byte ", 0) == 0) needles.push_back(n + " of the decompressed data");
    }
    expect_error([&] { tdcm::data::read_matrix(gz); }, needles);
  }
}

TEST_F(Readers, GzipErrorsNameTheFileAndTheCompressedByte) {
  const std::string file = idx(0x08, {64, 8, 8}, std::string(64 * 64, '\x05'));
  const std::string cut = write("cut-idx3-ubyte.gz", gzip(file).substr(0, 20));
  expect_error([&] { tdcm::data::read_idx(cut); }, {cut, "gzip", "truncated", "byte 20"});
  std::string corrupt = gzip(file);
  for (size_t i = 10; i < 18; ++i) corrupt[i] = static_cast<char>(0xff);
  const std::string bad = write("bad-idx3-ubyte.gz", corrupt);
  expect_error([&] { tdcm::data::read_idx(bad); }, {bad, "gzip", "corrupt", "compressed byte"});
  const std::string trailing = write("trail-idx3-ubyte.gz", gzip(file) + "junk");
  expect_error([&] { tdcm::data::read_idx(trailing); }, {trailing, "4 bytes of trailing garbage"});
  // The good stream reads back whole.
  EXPECT_EQ(tdcm::data::read_idx(write("ok-idx3-ubyte.gz", gzip(file))).rows, 64);
}
