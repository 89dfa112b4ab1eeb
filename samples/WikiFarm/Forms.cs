using Microsoft.AspNetCore.Http.Features;

namespace WikiFarm;

/// <summary>
/// Every form the farm reads goes through here, with bounds: a request body of at most <see cref="MaxBodyBytes"/>, at
/// most <see cref="MaxValues"/> values, each at most <see cref="MaxBodyBytes"/> — for url-encoded and multipart forms
/// alike (multipart values are bounded by the body limit). A body that is not a form is answered 415, one over the
/// bounds 413; the handler never sees either.
/// </summary>
public static class Forms
{
    /// <summary>The largest request body the farm reads (a page of <see cref="PageStore.MaxPageBytes"/> plus its form's overhead).</summary>
    public const int MaxBodyBytes = 3 * PageStore.MaxPageBytes;

    /// <summary>The most values a form may carry (the largest form has five).</summary>
    public const int MaxValues = 32;

    private static readonly object Refusal = new();

    private static readonly FormOptions Options = new()
    {
        ValueCountLimit = MaxValues,
        ValueLengthLimit = MaxBodyBytes,
        MultipartBodyLengthLimit = MaxBodyBytes,
        MultipartHeadersCountLimit = 8,
        MultipartHeadersLengthLimit = 4096,
        KeyLengthLimit = 256,
        BufferBody = false,
    };

    /// <summary>The request's form, or null when it was refused (answer with <see cref="Refused"/>).</summary>
    public static async Task<IFormCollection?> ReadAsync(HttpContext http)
    {
        if (!http.Request.HasFormContentType)
        {
            http.Items[Refusal] = (StatusCodes.Status415UnsupportedMediaType, "Send the form as application/x-www-form-urlencoded or multipart/form-data.");
            return null;
        }

        if (http.Request.ContentLength > MaxBodyBytes)
        {
            return TooLarge(http);
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }

        try
        {
            http.Features.Set<IFormFeature>(new FormFeature(http.Request, Options));
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            return form.Files.Count > 0 ? Unsupported(http, "This form takes no files.") : form;
        }
        catch (InvalidDataException)
        {
            return TooLarge(http); // a form limit: too many values, a value or a multipart body too long
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(http);
        }
    }

    /// <summary>The answer to a form <see cref="ReadAsync"/> refused (413 or 415).</summary>
    public static IResult Refused(HttpContext http)
    {
        var (status, message) = http.Items[Refusal] is (int s, string m) ? (s, m) : (StatusCodes.Status400BadRequest, "This request has no form.");
        return Html.Page(http, "WikiFarm", "Not accepted", $"<p>{Html.E(message)}</p>", status);
    }

    private static IFormCollection? TooLarge(HttpContext http)
    {
        http.Items[Refusal] = (StatusCodes.Status413PayloadTooLarge,
            $"This form is too large: at most {MaxBodyBytes / 1024} KiB and {MaxValues} values (a page holds at most {PageStore.MaxPageBytes / 1024} KiB).");
        return null;
    }

    private static IFormCollection? Unsupported(HttpContext http, string message)
    {
        http.Items[Refusal] = (StatusCodes.Status415UnsupportedMediaType, message);
        return null;
    }
}
