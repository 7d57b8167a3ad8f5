using MathNet.Numerics.LinearAlgebra;

namespace KeypointML.Analysis;

/// <summary>
/// Which way a head faces, in degrees, from its 68 points: a generic 3-D face (six points: nose tip, chin, outer eye
/// corners, mouth corners) fitted to the image points by perspective-n-point (Levenberg-Marquardt on the rotation and
/// translation, a pinhole camera whose focal length is the image's width and whose centre is the image's centre).
/// </summary>
/// <remarks>
/// <para>Axes and signs (docs/face-analysis.md draws them): <b>yaw</b> about the head's vertical axis, positive when the
/// subject turns to their left (the nose points to the image's right); <b>pitch</b> about the ear-to-ear axis, positive when
/// the subject looks up; <b>roll</b> in the image plane, positive clockwise on screen, the same angle as
/// <see cref="Engine.FaceRegion.Roll"/>. The head's rotation from facing the camera is pitch, then yaw, then roll
/// applied last (so turning the photo in its plane changes the roll alone): R = Rz(-roll) Ry(yaw) Rx(-pitch), in a frame
/// with x to the image's right, y up and z toward the camera.</para>
/// <para>The 3-D face is the widely used generic six-point model (nose tip at the origin; chin (0, -330, -65); outer eye
/// corners (-+225, 170, -135); mouth corners (-+150, -150, -125); arbitrary units): it has no person's proportions, so
/// angles are estimates of a few degrees, and a wrong focal length bends large yaws.</para>
/// </remarks>
public readonly record struct HeadPose(float Yaw, float Pitch, float Roll)
{
    // iBUG indices of the model's points, and the model (x right, y up, z toward the camera).
    private static readonly int[] Indices = [30, 8, 36, 45, 48, 54];
    private static readonly double[,] Model =
    {
        { 0, 0, 0 }, { 0, -330, -65 }, { -225, 170, -135 }, { 225, 170, -135 }, { -150, -150, -125 }, { 150, -150, -125 },
    };

    /// <summary>The pose of the face with points <paramref name="points68"/> in an image of <paramref name="imageWidth"/> x
    /// <paramref name="imageHeight"/> pixels.</summary>
    public static HeadPose Of(ReadOnlySpan<float> points68, int imageWidth, int imageHeight)
    {
        if (points68.Length != 136) throw new ArgumentException($"Head pose needs the 68 iBUG points (136 values); got {points68.Length}.");
        if (imageWidth <= 0 || imageHeight <= 0) throw new ArgumentException($"The image size must be positive; got {imageWidth} x {imageHeight}.");
        var observed = new double[2 * Indices.Length];
        for (int i = 0; i < Indices.Length; i++) { observed[2 * i] = points68[2 * Indices[i]]; observed[2 * i + 1] = points68[2 * Indices[i] + 1]; }
        double f = imageWidth, cx = (imageWidth - 1) / 2.0, cy = (imageHeight - 1) / 2.0;
        // Start facing the camera (a half turn about x turns the model's y-up, z-toward-camera into the camera's y-down,
        // z-forward), at the distance where the eye corners are as far apart as in the image.
        double eyes = Math.Sqrt(Math.Pow(observed[6] - observed[4], 2) + Math.Pow(observed[7] - observed[5], 2));
        double z = f * 450 / Math.Max(eyes, 1);
        var p = Vector<double>.Build.DenseOfArray([Math.PI, 0, 0, (observed[0] - cx) * z / f, (observed[1] - cy) * z / f, z]);
        double lambda = 1e-3, error = Residuals(p, observed, f, cx, cy).L2Norm();
        for (int iteration = 0; iteration < 100; iteration++)
        {
            var r = Residuals(p, observed, f, cx, cy);
            var j = Matrix<double>.Build.Dense(r.Count, 6);
            for (int k = 0; k < 6; k++)
            {
                double h = k < 3 ? 1e-6 : 1e-6 * Math.Max(1, Math.Abs(p[k]));
                var q = p.Clone();
                q[k] += h;
                j.SetColumn(k, (Residuals(q, observed, f, cx, cy) - r) / h);
            }
            var jtj = j.TransposeThisAndMultiply(j);
            var step = (jtj + Matrix<double>.Build.DenseDiagonal(6, 6, i => lambda * (jtj[i, i] + 1e-9))).Solve(-j.TransposeThisAndMultiply(r));
            var candidate = p + step;
            double e = Residuals(candidate, observed, f, cx, cy).L2Norm();
            if (e < error)
            {
                bool converged = error - e < 1e-9 * (1 + error);
                (p, error, lambda) = (candidate, e, lambda / 10);
                if (converged) break;
            }
            else lambda *= 10;
        }
        // Camera rotation R = F H with F = diag(1, -1, -1) (face frame -> camera frame): H = F R.
        var rotation = Rodrigues(p[0], p[1], p[2]);
        var flip = Matrix<double>.Build.DenseDiagonal(3, 3, i => i == 0 ? 1 : -1);
        var head = flip * rotation;
        // H = Rz(c) Ry(a) Rx(b): a = asin(-H20), b = atan2(H21, H22), c = atan2(H10, H00). Roll outermost, so turning the
        // image in its plane changes the roll alone.
        double a = Math.Asin(Math.Clamp(-head[2, 0], -1, 1)), b = Math.Atan2(head[2, 1], head[2, 2]), c = Math.Atan2(head[1, 0], head[0, 0]);
        return new HeadPose((float)(a * 180 / Math.PI), (float)(-b * 180 / Math.PI), (float)(-c * 180 / Math.PI));
    }

    /// <summary>The head's own axes as seen in the image (orthographic, image y down, unit length before projection): its
    /// left-to-right axis (x, from the subject's right ear to the left), its up axis (y) and its forward axis (z, where the
    /// nose points). For drawing the pose: a frontal face gives (1, 0), (0, -1), (0, 0).</summary>
    public ((float X, float Y) Right, (float X, float Y) Up, (float X, float Y) Forward) ImageAxes()
    {
        double a = Yaw * Math.PI / 180, b = -Pitch * Math.PI / 180, c = -Roll * Math.PI / 180;
        // R = Rz(c) Ry(a) Rx(b), columns = the head's axes in the face-aligned frame (x right, y up, z toward the camera).
        double ca = Math.Cos(a), sa = Math.Sin(a), cb = Math.Cos(b), sb = Math.Sin(b), cc = Math.Cos(c), sc = Math.Sin(c);
        double[,] r =
        {
            { cc * ca, cc * sa * sb - sc * cb, cc * sa * cb + sc * sb },
            { sc * ca, sc * sa * sb + cc * cb, sc * sa * cb - cc * sb },
            { -sa, ca * sb, ca * cb },
        };
        (float, float) Column(int j) => ((float)r[0, j], (float)-r[1, j]);   // image y points down
        return (Column(0), Column(1), Column(2));
    }

    // Projected model points minus observed points, for rotation vector p[0..2] and translation p[3..5].
    private static Vector<double> Residuals(Vector<double> p, double[] observed, double f, double cx, double cy)
    {
        var r = Rodrigues(p[0], p[1], p[2]);
        var result = Vector<double>.Build.Dense(observed.Length);
        for (int i = 0; i < Indices.Length; i++)
        {
            double x = r[0, 0] * Model[i, 0] + r[0, 1] * Model[i, 1] + r[0, 2] * Model[i, 2] + p[3];
            double y = r[1, 0] * Model[i, 0] + r[1, 1] * Model[i, 1] + r[1, 2] * Model[i, 2] + p[4];
            double z = r[2, 0] * Model[i, 0] + r[2, 1] * Model[i, 1] + r[2, 2] * Model[i, 2] + p[5];
            z = Math.Max(z, 1e-6);
            result[2 * i] = f * x / z + cx - observed[2 * i];
            result[2 * i + 1] = f * y / z + cy - observed[2 * i + 1];
        }
        return result;
    }

    // The rotation matrix of rotation vector (x, y, z): angle |v| about v / |v|.
    private static Matrix<double> Rodrigues(double x, double y, double z)
    {
        double angle = Math.Sqrt(x * x + y * y + z * z);
        if (angle < 1e-12) return Matrix<double>.Build.DenseIdentity(3);
        double kx = x / angle, ky = y / angle, kz = z / angle, c = Math.Cos(angle), s = Math.Sin(angle), t = 1 - c;
        return Matrix<double>.Build.DenseOfArray(new[,]
        {
            { c + kx * kx * t, kx * ky * t - kz * s, kx * kz * t + ky * s },
            { ky * kx * t + kz * s, c + ky * ky * t, ky * kz * t - kx * s },
            { kz * kx * t - ky * s, kz * ky * t + kx * s, c + kz * kz * t },
        });
    }
}
