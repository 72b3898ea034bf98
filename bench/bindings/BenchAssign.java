// The Java side of the binding benchmark; see bench_assign.c.
//   java -cp tdcm.jar:. BenchAssign MODEL ROWS REPEATS array|direct
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import org.tdcm.Model;
import org.tdcm.Tdcm;

public final class BenchAssign {
  public static void main(String[] args) {
    String path = args[0];
    int rows = Integer.parseInt(args[1]);
    int repeats = Integer.parseInt(args[2]);
    boolean direct = args[3].equals("direct");
    final int k = 10;
    final int d = 16;
    int nPer = rows / k;
    int n = nPer * k;
    float[] x = Tdcm.synthDrift(k, d, nPer, 7, 4.0, 0.5).targetX();
    FloatBuffer buffer =
        ByteBuffer.allocateDirect(n * d * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
    buffer.put(x).flip();
    IntBuffer out =
        ByteBuffer.allocateDirect(n * Integer.BYTES).order(ByteOrder.nativeOrder()).asIntBuffer();
    int[] labels = new int[n];
    double best = Double.MAX_VALUE;
    System.gc(); // the set-up allocated ~200 MB: collect before timing
    try (Model model = Model.load(path)) {
      for (int r = -1; r < repeats; ++r) { // r = -1: warm-up
        long t0 = System.nanoTime();
        if (direct) {
          model.assign(buffer, d, out, null); // zero copy in and out
        } else {
          model.assign(x, d, labels, null);
        }
        double t = (System.nanoTime() - t0) * 1e-9;
        if (r >= 0 && t < best) best = t;
      }
    }
    if (direct) out.get(labels);
    long checksum = 0;
    for (int i = 0; i < n; ++i) checksum += (long) labels[i] * (i % 7 + 1);
    System.out.printf(java.util.Locale.ROOT, "RESULT %.6f %d%n", best, checksum);
  }
}
