// libtdcm from Java: train on a P1 source set, cluster its drifted target set,
// print NMI / ARI / ACC.
//
//   javac -cp /usr/share/java/tdcm.jar Example.java
//   java -cp /usr/share/java/tdcm.jar:. Example ["k=5 algo=kmeans"]
//
// The JNI library (libtdcm_jni.so) is found on java.library.path, or where
// -Dorg.tdcm.jni.library=/path/to/libtdcm_jni.so or TDCM_JNI_LIBRARY points.
import org.tdcm.DriftPair;
import org.tdcm.Metrics;
import org.tdcm.Model;
import org.tdcm.Tdcm;
import org.tdcm.TdcmException;

public final class Example {
  public static void main(String[] args) {
    String params = args.length > 0 ? args[0] : "k=5 algo=kmeans";
    System.out.println("libtdcm " + Tdcm.version() + " from Java, params \"" + params + "\"");
    // Protocol P1: 5 clusters in 2 dimensions, 500 rows each, spread 4, drift 0.5.
    DriftPair p1 = Tdcm.synthDrift(5, 2, 500, 0, 4.0, 0.5);
    try (Model model = Model.create(params)) {
      model.fit(p1.sourceX(), p1.d());
      int[] source = model.assign(p1.sourceX(), p1.d());
      int[] target = model.assign(p1.targetX(), p1.d());
      System.out.println("source: " + Metrics.compute(p1.sourceY(), source));
      System.out.println("target: " + Metrics.compute(p1.targetY(), target));
    } catch (TdcmException e) {
      System.err.println("failed: " + e.status() + ": " + e.getMessage());
      System.exit(1);
    }
  }
}
