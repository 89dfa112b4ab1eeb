using System.Globalization;
using System.Text;

namespace Tenancy;

/// <summary>Text for exception messages that must show hostile input safely.</summary>
internal static class MessageText
{
    private const int Shown = 80;

    /// <summary>Quotes a hostile value: control, non-ASCII, quote and backslash characters escaped; long values cut.</summary>
    internal static string Quote(string? value)
    {
        if (value is null)
        {
            return "(null)";
        }

        var sb = new StringBuilder(Math.Min(value.Length, Shown) + 24).Append('"');
        foreach (char c in value.Length > Shown ? value.AsSpan(0, Shown) : value)
        {
            if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
            {
                sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(c);
            }
        }

        sb.Append('"');
        if (value.Length > Shown)
        {
            sb.Append("… (").Append(value.Length).Append(" characters)");
        }

        return sb.ToString();
    }
}
