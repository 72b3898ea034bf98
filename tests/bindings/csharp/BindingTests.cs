// The C# binding against the installed library, on protocol P1 with k-means,
// and with the default model (k = 3) for the per-cluster report and the centroids.
// A self-checking program: every public static void method of BindingTests
// is a test; the exit status is the number of failed tests (0 = all passed).
//   mono BindingTests.exe [TMP_DIR]
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading;
using Tdcm;

public static partial class BindingTests
{
    private const string KMeans = "k=5 algo=kmeans seed=1";
    private static readonly DriftPair P1 = Library.SynthDrift(5, 2, 500, 0, 4.0, 0.5);
    private static readonly DriftPair P3 = Library.SynthDrift(3, 2, 200, 0, 4.0, 0.5);
    private static string tmp = Path.GetTempPath();

    public static int Main(string[] args)
    {
        if (args.Length > 0)
        {
            tmp = args[0];
            Directory.CreateDirectory(tmp);
        }
        int failed = 0, passed = 0;
        var tests = typeof(BindingTests)
                        .GetMethods(BindingFlags.Public | BindingFlags.Static)
                        .Where(m => m.ReturnType == typeof(void) && m.GetParameters().Length == 0)
                        .OrderBy(m => m.Name);
        foreach (MethodInfo test in tests)
        {
            try
            {
                test.Invoke(null, null);
                Console.WriteLine("PASS " + test.Name);
                ++passed;
            }
            catch (TargetInvocationException e)
            {
                Console.WriteLine("FAIL " + test.Name + ": " + e.InnerException);
                ++failed;
            }
        }
        Console.WriteLine(passed + " passed, " + failed + " failed");
        return failed == 0 && passed > 0 ? 0 : 1;
    }

    // ---- Assertions -----------------------------------------------------------------

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new Exception("check failed: " + what);
        }
    }

    private static T Throws<T>(Action action) where T : Exception
    {
        try
        {
            action();
        }
        catch (T e)
        {
            return e;
        }
        catch (Exception e)
        {
            throw new Exception("expected " + typeof(T).Name + ", got " + e);
        }
        throw new Exception("expected " + typeof(T).Name + ", nothing thrown");
    }

    private static TdcmException Fails(Status status, Action action)
    {
        TdcmException e = Throws<TdcmException>(action);
        Check(e.Status == status, "status " + e.Status + " is " + status + " (" + e.Message + ")");
        Check(e.Code == (int)status, "code");
        Check(!string.IsNullOrEmpty(e.Message), "a message");
        return e;
    }

    private static Model Fitted()
    {
        Model model = Model.Create(KMeans);
        model.Fit(P1.SourceX, P1.D);
        return model;
    }

    // The library's defaults at k = 3, fitted on P3's source.
    private static Model FittedDefault()
    {
        Model model = Model.Create("k=3");
        model.Fit(P3.SourceX, P3.D);
        return model;
    }

    private static int[] Counts(int[] labels, int k)
    {
        var counts = new int[k];
        foreach (int label in labels)
        {
            ++counts[label];
        }
        return counts;
    }

    // ---- Tests ----------------------------------------------------------------------

    public static void FitAndAssignOnP1MeetTheQualityFloor()
    {
        using (Model model = Fitted())
        {
            Check(model.IsFitted, "fitted");
            Check(model.Algorithm == "kmeans", "algorithm");
            Check(model.K == 5 && model.InputDim == 2, "k and input dim");
            int[] labels = model.Assign(P1.TargetX, P1.D);
            Check(labels.Length == P1.Rows, "one label per row");
            Check(labels.All(l => l >= 0 && l < 5), "labels in [0, k)");
            Metrics target = Metrics.Compute(P1.TargetY, labels);
            Check(target.Nmi > 0.5, "target NMI > 0.5: " + target);
            int[] source = model.Assign(P1.SourceX, P1.D);
            Check(Metrics.Compute(P1.SourceY, source).Nmi > 0.8, "source NMI > 0.8");
            double kept = Metrics.AccKept(P1.SourceY, source, P1.TargetY, labels);
            Check(kept >= 0 && kept <= 1, "acc kept in [0, 1]");
        }
    }

    public static void ProbabilitiesAreRowsOfK()
    {
        using (Model model = Fitted())
        {
            float[] probs;
            int[] labels = model.Assign(P1.TargetX, P1.D, out probs);
            Check(probs.Length == P1.Rows * 5, "rows x k");
            for (int r = 0; r < P1.Rows; ++r)
            {
                double sum = 0;
                for (int c = 0; c < 5; ++c)
                {
                    sum += probs[r * 5 + c];
                }
                Check(Math.Abs(sum - 1) < 1e-4, "row " + r + " sums to 1");
            }
            Check(labels.SequenceEqual(model.Assign(P1.TargetX, P1.D)), "same labels");

            // Into caller-owned arrays, reused.
            var into = new int[P1.Rows];
            model.Assign(P1.TargetX, P1.D, into, null);
            Check(into.SequenceEqual(labels), "into caller arrays");
            Fails(Status.InvalidArgument, () => model.Assign(P1.TargetX, P1.D, new int[3], null));
            Fails(Status.InvalidArgument,
                  () => model.Assign(P1.TargetX, P1.D, into, new float[P1.Rows]));
        }
    }

    public static void AdaptThenPredict()
    {
        using (Model model = Fitted())
        {
            Fails(Status.NotAdapted, () => model.Predict(P1.TargetX, P1.D));
            Check(!model.IsAdapted, "not adapted yet");
            model.Adapt(P1.TargetX, P1.D);
            Check(model.IsAdapted, "adapted");
            int[] labels = model.Predict(P1.TargetX, P1.D);
            Check(Metrics.Compute(P1.TargetY, labels).Nmi > 0.5, "target NMI > 0.5");
            var row = new float[] { P1.TargetX[0], P1.TargetX[1] };
            Check(model.Predict(row, 2)[0] == labels[0], "one row alone gets the same label");
            float[] probs;
            model.Predict(P1.TargetX, P1.D, out probs);
            Check(probs.Length == P1.Rows * 5, "rows x k");
        }
    }

    public static void EveryLibraryErrorIsATdcmExceptionWithTheMessage()
    {
        TdcmException unknown = Fails(Status.UnknownParameter, () => Model.Create("nope=1"));
        Check(unknown.Message.Contains("nope"), unknown.Message);
        Check(unknown.ToString().Contains("UnknownParameter"), unknown.ToString());
        Check(Fails(Status.BadParameter, () => Model.Create("k=0")).Message.Contains("'k'"),
              "names the key");

        using (Model model = Model.Create(KMeans))
        {
            Fails(Status.NotFitted, () => model.Assign(P1.TargetX, P1.D));
            Fails(Status.NotFitted, () => model.Save(Path.Combine(tmp, "unfitted.tdcm")));
            model.Fit(P1.SourceX, P1.D);
            Fails(Status.Shape, () => model.Assign(new float[] { 1, 2, 3 }, 3));
            float[] nan = (float[])P1.TargetX.Clone();
            nan[7] = float.NaN;
            Check(Fails(Status.NonFinite, () => model.Assign(nan, P1.D)).Message.Contains("row 3"),
                  "names the row");
            Fails(Status.InvalidArgument, () => model.Assign(new float[] { 1, 2, 3 }, 2));
            Fails(Status.InvalidArgument, () => model.Assign(P1.TargetX, 0));
            Fails(Status.NullArgument, () => model.Assign(null, 2));
            Fails(Status.InvalidArgument, () => model.Fit(P1.SourceX, P1.D, new long[] { 1 }));
        }
        TdcmException io = Fails(Status.IO, () => Model.Load(Path.Combine(tmp, "missing.tdcm")));
        Check(io.Message.Contains("missing.tdcm"), io.Message);
        string garbage = Path.Combine(tmp, "garbage.tdcm");
        File.WriteAllBytes(garbage, new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 });
        Fails(Status.BadFile, () => Model.Load(garbage));
        Fails(Status.InvalidArgument, () => Metrics.Compute(new[] { 0, 1 }, new[] { 0 }));
        Fails(Status.InvalidArgument, () => Model.Create("k=5\0algo=kmeans"));
    }

    public static void SaveAndLoadRoundTrip()
    {
        // A non-ASCII file name: paths cross as UTF-8.
        string path = Path.Combine(tmp, "modèle-ü.tdcm");
        using (Model model = Fitted())
        {
            int[] expected = model.Assign(P1.TargetX, P1.D);
            model.Save(path);
            using (Model loaded = Model.Load(path))
            {
                Check(loaded.IsFitted, "fitted");
                Check(loaded.K == model.K && loaded.InputDim == model.InputDim, "dims");
                Check(loaded.Algorithm == model.Algorithm, "algorithm");
                Check(loaded.Parameters.Contains("algo=kmeans k=5 "), loaded.Parameters);
                Check(loaded.Device == "cpu", "on the CPU");
                Check(loaded.Assign(P1.TargetX, P1.D).SequenceEqual(expected), "same labels");
            }
            using (Model loaded = Model.Load(path, "threads=1"))
            {
                Check(loaded.Parameters.Contains("threads=1"), loaded.Parameters);
                Check(loaded.Assign(P1.TargetX, P1.D).SequenceEqual(expected), "same labels");
            }
        }
    }

    public static void DisposeTwiceIsSafeAndUseAfterDisposeIsAnError()
    {
        Model model = Fitted();
        Check(!model.IsDisposed, "not disposed");
        model.Dispose();
        model.Dispose();
        Check(model.IsDisposed, "disposed");
        Throws<ObjectDisposedException>(() => model.Assign(P1.TargetX, P1.D));
        Throws<ObjectDisposedException>(() => model.Fit(P1.SourceX, P1.D));
        Throws<ObjectDisposedException>(() => GC.KeepAlive(model.K));
        Throws<ObjectDisposedException>(() => model.Save(Path.Combine(tmp, "disposed.tdcm")));
    }

    public static void ThreadsAssigningOnOneModelGetTheLabelsOfOneThread()
    {
        using (Model model = Fitted())
        {
            int[] expected = model.Assign(P1.TargetX, P1.D);
            var failures = new List<string>();
            var start = new ManualResetEvent(false);
            var threads = new List<Thread>();
            for (int t = 0; t < 8; ++t)
            {
                var thread = new Thread(() =>
                {
                    start.WaitOne();
                    try
                    {
                        for (int i = 0; i < 10; ++i)
                        {
                            if (!model.Assign(P1.TargetX, P1.D).SequenceEqual(expected))
                            {
                                lock (failures) failures.Add("different labels");
                            }
                        }
                    }
                    catch (Exception e)
                    {
                        lock (failures) failures.Add(e.ToString());
                    }
                });
                thread.Start();
                threads.Add(thread);
            }
            start.Set();
            foreach (Thread thread in threads)
            {
                thread.Join();
            }
            Check(failures.Count == 0, string.Join("\n", failures));
        }
    }

    public static void DisposeWhileOtherThreadsAssignIsSafe()
    {
        // Dispose racing calls: each call either completes or sees a disposed model.
        Model model = Fitted();
        var errors = new List<string>();
        var threads = new List<Thread>();
        for (int t = 0; t < 4; ++t)
        {
            var thread = new Thread(() =>
            {
                for (int i = 0; i < 20; ++i)
                {
                    try
                    {
                        model.Assign(P1.TargetX, P1.D);
                    }
                    catch (ObjectDisposedException)
                    {
                        return;
                    }
                    catch (Exception e)
                    {
                        lock (errors) errors.Add(e.ToString());
                        return;
                    }
                }
            });
            thread.Start();
            threads.Add(thread);
        }
        Thread.Sleep(20);
        model.Dispose();
        foreach (Thread thread in threads)
        {
            thread.Join();
        }
        Check(errors.Count == 0, string.Join("\n", errors));
    }

    public static void ErrorMessagesStayWithTheirThread()
    {
        var errors = new List<string>();
        Action<string, Status, string> failRepeatedly = (parameters, status, needle) =>
        {
            for (int i = 0; i < 200; ++i)
            {
                try
                {
                    Model.Create(parameters).Dispose();
                    lock (errors) errors.Add("no error for " + parameters);
                    return;
                }
                catch (TdcmException e)
                {
                    if (e.Status != status || !e.Message.Contains(needle))
                    {
                        lock (errors) errors.Add(e.ToString());
                        return;
                    }
                }
            }
        };
        var a = new Thread(() => failRepeatedly("bogus_key=1", Status.UnknownParameter, "bogus_key"));
        var b = new Thread(() => failRepeatedly("k=-3", Status.BadParameter, "-3"));
        a.Start();
        b.Start();
        a.Join();
        b.Join();
        Check(errors.Count == 0, string.Join("\n", errors));
    }

    public static void LibraryFacts()
    {
        Check(System.Text.RegularExpressions.Regex.IsMatch(Library.Version, @"^\d+\.\d+\.\d+$"),
              Library.Version);
        IList<Tdcm.ParameterInfo> parameters = Library.Parameters();
        Check(parameters.Any(p => p.Name == "k" && p.Type == "int"), "k is an int");
        Check(parameters.Any(p => p.Name == "algo" && p.Range.Contains("kmeans") &&
                                  p.Range.Contains("gmm")), "algo");
        using (Model model = Model.Create())
        {
            Check(!model.IsFitted, "not fitted");
            Check(model.Algorithm == "tdcm", "TDCM by default");
            Check(model.Parameters.Contains("k=5"), model.Parameters);
        }
    }

    // ---- The per-cluster report -----------------------------------------------------

    public static void AssignReportDescribesEveryClusterOfTheTarget()
    {
        using (Model model = FittedDefault())
        {
            float[] probs;
            ClusterReport[] report;
            int[] labels = model.AssignReport(P3.TargetX, P3.D, out probs, out report);
            Check(labels.SequenceEqual(model.Assign(P3.TargetX, P3.D)), "the labels of Assign");
            Check(probs.Length == P3.Rows * 3, "rows x k probabilities");
            Check(report.Length == 3, "k entries");
            int[] targetCounts = Counts(labels, 3);
            long sourceRows = 0;
            for (int j = 0; j < 3; ++j)
            {
                ClusterReport r = report[j];
                Check(r.Cluster == j, "entry j is label j: " + r);
                // The defaults keep the source's numbering: label j continues source cluster j.
                Check(r.SourceCluster == j, "continues source cluster j: " + r);
                Check(r.TargetSize == targetCounts[j], "target size: " + r);
                sourceRows += r.SourceSize;
                Check(r.Confidence >= 0 && r.Confidence <= 1, "confidence in [0, 1]: " + r);
                Check(r.Shift >= 0, "shift: " + r);
                // The flags say what the numbers say (tdcm.h), decoded from the C bits 1, 2, 4.
                Check(r.Unmatched == (r.Confidence < 0.5), "unmatched: " + r);
                Check(r.MovedFar == (r.Shift > 3), "moved far: " + r);
                Check(r.Shrank == (2 * r.TargetSize < r.SourceSize), "shrank: " + r);
                int bits = (r.Unmatched ? 1 : 0) | (r.MovedFar ? 2 : 0) | (r.Shrank ? 4 : 0);
                Check(r.Flags == bits, "flag bits: " + r);
            }
            Check(sourceRows == P3.Rows, "source sizes sum to the source's rows");
            Check(report.Any(r => r.MovedFar),
                  "this drift moves a cluster far: " + string.Join("; ", report));

            // Without probabilities, and into caller-owned arrays: the same.
            ClusterReport[] plain;
            Check(model.AssignReport(P3.TargetX, P3.D, out plain).SequenceEqual(labels), "labels");
            Check(plain.SequenceEqual(report), "the same report");
            var into = new int[P3.Rows];
            var intoProbs = new float[P3.Rows * 3];
            Check(model.AssignReport(P3.TargetX, P3.D, into, intoProbs).SequenceEqual(report),
                  "the same report into caller arrays");
            Check(into.SequenceEqual(labels) && intoProbs.SequenceEqual(probs), "written in place");
            Fails(Status.InvalidArgument,
                  () => model.AssignReport(P3.TargetX, P3.D, new int[3], null));
        }
    }

    public static void GetReportAfterAdaptIsTheReportOfThatSet()
    {
        using (Model model = FittedDefault())
        {
            Fails(Status.NotAdapted, () => model.GetReport());
            model.Adapt(P3.TargetX, P3.D);
            ClusterReport[] adapted = model.GetReport();
            ClusterReport[] assigned;
            model.AssignReport(P3.TargetX, P3.D, out assigned);
            Check(adapted.Length == 3 && adapted.SequenceEqual(assigned), "the set's report");
        }
        using (Model unfitted = Model.Create("k=3"))
        {
            Fails(Status.NotFitted, () => unfitted.GetReport());
            ClusterReport[] report;
            Fails(Status.NotFitted, () => unfitted.AssignReport(P3.TargetX, P3.D, out report));
        }
    }

    public static void AModelFittedOnACollectionHasNoSourceClustersToReportAgainst()
    {
        var setIds = new long[P3.Rows];
        for (int i = 0; i < setIds.Length; ++i)
        {
            setIds[i] = i % 2;
        }
        using (Model model = Model.Create("k=3"))
        {
            model.Fit(P3.SourceX, P3.D, setIds);
            ClusterReport[] report;
            Fails(Status.InvalidArgument, () => model.AssignReport(P3.TargetX, P3.D, out report));
            Fails(Status.InvalidArgument, () => model.GetCentroids(Centroids.Source));
        }
    }

    // ---- Centroids in and out -------------------------------------------------------

    public static void SourceCentroidsAreTheClusterMeansInInputSpaceAndGoBackIn()
    {
        using (Model model = FittedDefault())
        using (Model kmeans = Model.Create("algo=kmeans k=3"))
        {
            Check(model.CentroidDim == 2, "input width");
            Check(model.CentroidsInInputSpace, "in input space");
            float[] source = model.GetCentroids(Centroids.Source);
            Check(source.Length == 3 * 2, "k x dim");
            // Row j is (close to) the mean of the source rows labelled j.
            int[] labels = model.Assign(P3.SourceX, P3.D);
            int[] counts = Counts(labels, 3);
            var means = new double[6];
            for (int i = 0; i < labels.Length; ++i)
            {
                for (int c = 0; c < 2; ++c)
                {
                    means[labels[i] * 2 + c] += P3.SourceX[i * 2 + c];
                }
            }
            for (int v = 0; v < 6; ++v)
            {
                Check(Math.Abs(means[v] / counts[v / 2] - source[v]) < 0.1, "centroid value " + v);
            }

            Fails(Status.NotAdapted, () => model.GetCentroids(Centroids.Adapted));
            model.Adapt(P3.TargetX, P3.D);
            float[] adapted = model.GetCentroids(Centroids.Adapted);
            Check(adapted.Length == 6 && !adapted.SequenceEqual(source), "the target drifted");
            Check(model.GetCentroids(Centroids.Source).SequenceEqual(source), "source unchanged");

            kmeans.SetCentroids(source, 2);
            Check(kmeans.IsFitted, "fitted by its centroids");
            Check(kmeans.GetCentroids(Centroids.Source).SequenceEqual(source),
                  "the same centroids");
        }
        using (Model unfitted = Model.Create("k=3"))
        {
            Fails(Status.NotFitted, () => GC.KeepAlive(unfitted.CentroidDim));
            Fails(Status.NotFitted, () => unfitted.GetCentroids(Centroids.Source));
        }
    }

    public static void SetCentroidsStartsAKMeansModelThatLabelsEachRowByTheNearest()
    {
        var given = new float[] { -6, 0, 0, 6, 6, -2 };
        using (Model model = Model.Create("algo=kmeans k=3"))
        {
            Check(!model.IsFitted, "unfitted");
            model.SetCentroids(given, 2);
            Check(model.IsFitted && model.InputDim == 2, "fitted, 2 columns");
            Check(model.GetCentroids(Centroids.Source).SequenceEqual(given), "the given centroids");
            int[] labels = model.Assign(P3.TargetX, P3.D);
            for (int i = 0; i < labels.Length; ++i)
            {
                int nearest = 0;
                double best = double.MaxValue;
                for (int j = 0; j < 3; ++j)
                {
                    double dx = P3.TargetX[i * 2] - given[j * 2];
                    double dy = P3.TargetX[i * 2 + 1] - given[j * 2 + 1];
                    if (dx * dx + dy * dy < best)
                    {
                        best = dx * dx + dy * dy;
                        nearest = j;
                    }
                }
                Check(labels[i] == nearest, "row " + i + " gets its nearest centroid");
            }

            // Not k rows: the library's Shape; not whole rows: refused by the binding.
            Fails(Status.Shape, () => model.SetCentroids(new float[4], 2));
            Fails(Status.InvalidArgument, () => model.SetCentroids(new float[5], 2));
            var nan = (float[])given.Clone();
            nan[3] = float.NaN;
            Fails(Status.NonFinite, () => model.SetCentroids(nan, 2));
            Check(model.GetCentroids(Centroids.Source).SequenceEqual(given),
                  "failures change nothing");
        }
        using (Model gmm = Model.Create("algo=gmm k=3"))
        {
            Fails(Status.InvalidArgument, () => gmm.SetCentroids(given, 2));
            Check(!gmm.IsFitted, "still unfitted");
        }
    }

    public static void AGaussianMixtureReportsAndGivesItsMeans()
    {
        using (Model gmm = Model.Create("algo=gmm k=3"))
        {
            gmm.Fit(P3.SourceX, P3.D);
            Check(gmm.Algorithm == "gmm" && gmm.CentroidsInInputSpace, "gmm, in input space");
            Check(gmm.GetCentroids(Centroids.Source).Length == 6, "k x dim means");
            ClusterReport[] report;
            int[] labels = gmm.AssignReport(P3.TargetX, P3.D, out report);
            Check(Metrics.Compute(P3.TargetY, labels).Nmi > 0.9, "target NMI > 0.9");
            Check(report.Sum(r => r.TargetSize) == P3.Rows, "target sizes sum to the rows");
        }
    }

    // ---- Calibration ----------------------------------------------------------------

    public static void CalibrationOfKnownProbabilities()
    {
        // On the source, cluster 0 is label 1 and cluster 1 label 0: the map swaps them.
        var sourceTruth = new[] { 1, 0 };
        var sourcePredicted = new[] { 0, 1 };
        var targetTruth = new[] { 1, 1, 0, 0 };
        var probs = new[] { 0.9f, 0.1f, 0.9f, 0.1f, 0.9f, 0.1f, 0.1f, 0.9f };
        Calibration c = Metrics.Calibration(sourceTruth, sourcePredicted, targetTruth, probs, 2);
        // Every top probability is 0.9 (one bin) and 3 of the 4 are right.
        Check(Math.Abs(c.Ece - 0.15) < 1e-6, "ECE " + c);
        // The true label gets 0.9, 0.9, 0.1, 0.9.
        Check(Math.Abs(c.LogLoss - (-3 * Math.Log(0.9) - Math.Log(0.1)) / 4) < 1e-6,
              "log-loss " + c);

        Fails(Status.InvalidArgument, () => Metrics.Calibration(sourceTruth, sourcePredicted,
                                                                targetTruth, new float[7], 2));
        Fails(Status.InvalidArgument, () => Metrics.Calibration(sourceTruth, sourcePredicted,
                                                                new[] { 1, 1, 0, -1 }, probs, 2));
    }

    public static void CalibrationOfTheDefaultModelsProbabilities()
    {
        using (Model model = FittedDefault())
        {
            int[] source = model.Assign(P3.SourceX, P3.D);
            float[] probs;
            ClusterReport[] report;
            model.AssignReport(P3.TargetX, P3.D, out probs, out report);
            Calibration c = Metrics.Calibration(P3.SourceY, source, P3.TargetY, probs, 3);
            Check(c.Ece >= 0 && c.Ece <= 0.1, "ECE " + c);
            Check(c.LogLoss >= 0 && c.LogLoss < 1, "log-loss " + c);
        }
    }
}
