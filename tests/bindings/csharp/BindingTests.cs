// The C# binding against the installed library, on protocol P1 with k-means.
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

public static class BindingTests
{
    private const string KMeans = "k=5 algo=kmeans seed=1";
    private static readonly DriftPair P1 = Library.SynthDrift(5, 2, 500, 0, 4.0, 0.5);
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
        Check(parameters.Any(p => p.Name == "algo" && p.Range.Contains("kmeans")), "algo");
        using (Model model = Model.Create())
        {
            Check(!model.IsFitted, "not fitted");
            Check(model.Algorithm == "tdcm", "TDCM by default");
            Check(model.Parameters.Contains("k=5"), model.Parameters);
        }
    }
}
