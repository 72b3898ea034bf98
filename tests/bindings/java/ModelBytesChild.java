package org.tdcm.tests;

import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.tdcm.DriftPair;
import org.tdcm.Model;
import org.tdcm.Tdcm;

/**
 * The second JVM of {@link ModelBytesTest}: loads the model bytes another JVM wrote, labels the
 * same P1 target set, and writes its labels (one per line) for that JVM to compare.
 *
 * <p>Usage: ModelBytesChild MODEL_BYTES_FILE LABELS_FILE
 */
public final class ModelBytesChild {
  private ModelBytesChild() {}

  public static void main(String[] args) throws Exception {
    byte[] bytes = Files.readAllBytes(Paths.get(args[0]));
    DriftPair p1 = Tdcm.synthDrift(5, 2, 500, 0, 4.0, 0.5);
    try (Model model = Model.load(bytes)) {
      int[] labels = model.assign(p1.targetX(), p1.d());
      Files.writeString(
          Paths.get(args[1]),
          Arrays.stream(labels).mapToObj(Integer::toString).collect(Collectors.joining("\n")));
    }
  }
}
