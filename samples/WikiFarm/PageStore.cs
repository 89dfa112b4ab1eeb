using System.Text;
using LibGit2Sharp;

namespace WikiFarm;

/// <summary>A page as of one commit.</summary>
/// <param name="Page">The page's name.</param>
/// <param name="Text">The Markdown text; empty when the page is over <see cref="PageStore.MaxPageBytes"/> (see <see cref="IsTooLarge"/>).</param>
/// <param name="Revision">The commit id.</param>
/// <param name="Author">Who saved it.</param>
/// <param name="Email">Their e-mail address as recorded in the commit.</param>
/// <param name="When">When.</param>
/// <param name="Message">The commit message's first line.</param>
/// <param name="Size">The text's size in bytes (UTF-8).</param>
public sealed record PageRevision(string Page, string Text, string Revision, string Author, string Email, DateTimeOffset When, string Message, long Size)
{
    /// <summary>Whether the page is over <see cref="PageStore.MaxPageBytes"/> (saved before the limit existed): its text is not read.</summary>
    public bool IsTooLarge => Size > PageStore.MaxPageBytes;
}

/// <summary>
/// One wiki's pages in a real (bare) git repository: every save is a commit by its author on <c>main</c>, so
/// <c>git --git-dir data/wikis/&lt;wiki&gt;/pages log</c> shows the history. LibGit2Sharp repositories are not
/// thread-safe, so every operation holds the store's lock.
/// </summary>
public sealed class PageStore : IDisposable
{
    private readonly Repository _repository;
    private readonly object _gate = new();

    public PageStore(string directory)
    {
        if (!Repository.IsValid(directory))
        {
            Repository.Init(directory, isBare: true);
            File.WriteAllText(System.IO.Path.Combine(directory, "HEAD"), "ref: refs/heads/main\n"); // new repositories start on master
        }

        _repository = new Repository(directory);
    }

    /// <summary>The largest page, in bytes of UTF-8: a save over it is answered 413, and an older, larger revision is not rendered.</summary>
    public const int MaxPageBytes = 256 * 1024;

    /// <summary>The e-mail address of commits by a user the farm knows no address for (git requires one).</summary>
    public const string NoEmail = "nobody@wikifarm.invalid";

    /// <summary>A commit id: 40 lower-case hex digits. Nothing else (<c>HEAD~1</c>, <c>main@{0}</c>, <c>:/text</c>) reaches git.</summary>
    public static bool IsCommitId(string revision) =>
        revision.Length == 40 && revision.All(char.IsAsciiHexDigitLower);

    /// <summary>A page name: letters, digits, <c>-</c> and <c>_</c>, at most 64 characters.</summary>
    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    public PageRevision? Read(string page, string? revision = null)
    {
        lock (_gate)
        {
            if (revision is not null && !IsCommitId(revision))
            {
                throw new ArgumentException($"\"{revision}\" is not a commit id (40 lower-case hex digits).", nameof(revision));
            }

            var commit = revision is null ? _repository.Head.Tip : _repository.Lookup<Commit>(new ObjectId(revision));
            return commit?[FileOf(page)]?.Target is Blob blob ? ToRevision(page, commit, blob, withText: true) : null;
        }
    }

    public IReadOnlyList<string> List()
    {
        lock (_gate)
        {
            return _repository.Head.Tip?.Tree.Select(e => e.Name).Where(n => n.EndsWith(".md", StringComparison.Ordinal))
                .Select(n => n[..^3]).Order(StringComparer.Ordinal).ToList() ?? [];
        }
    }

    /// <summary>
    /// Commits <paramref name="text"/> as the new content of <paramref name="page"/>; returns the commit id. An author
    /// without an e-mail address is recorded as <see cref="NoEmail"/>.
    /// </summary>
    public string Save(string page, string text, string author, string email, string message)
    {
        lock (_gate)
        {
            var blob = _repository.ObjectDatabase.CreateBlob(new MemoryStream(Encoding.UTF8.GetBytes(text)));
            var parent = _repository.Head.Tip;
            var tree = parent is null ? new TreeDefinition() : TreeDefinition.From(parent.Tree);
            tree.Add(FileOf(page), blob, Mode.NonExecutableFile);
            var signature = new Signature(author, string.IsNullOrWhiteSpace(email) ? NoEmail : email, DateTimeOffset.UtcNow);
            var commit = _repository.ObjectDatabase.CreateCommit(signature, signature, message,
                _repository.ObjectDatabase.CreateTree(tree), parent is null ? [] : [parent], prettifyMessage: true);
            _repository.Refs.Add("refs/heads/main", commit.Id, allowOverwrite: true);
            return commit.Sha;
        }
    }

    /// <summary>The commits that changed <paramref name="page"/>, newest first.</summary>
    public IReadOnlyList<PageRevision> History(string page)
    {
        lock (_gate)
        {
            var file = FileOf(page);
            var revisions = new List<PageRevision>();
            foreach (var commit in _repository.Commits.QueryBy(new CommitFilter { SortBy = CommitSortStrategies.Topological | CommitSortStrategies.Time }))
            {
                if (commit[file]?.Target is not Blob blob)
                {
                    continue;
                }

                var before = commit.Parents.FirstOrDefault()?[file]?.Target;
                if (before is null || before.Id != blob.Id)
                {
                    revisions.Add(ToRevision(page, commit, blob, withText: false));
                }
            }

            return revisions;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _repository.Dispose();
        }
    }

    private static string FileOf(string page) =>
        IsValidName(page) ? page + ".md" : throw new ArgumentException($"\"{page}\" is not a page name: use letters, digits, - and _.", nameof(page));

    private static PageRevision ToRevision(string page, Commit commit, Blob blob, bool withText) =>
        new(page, withText && blob.Size <= MaxPageBytes ? blob.GetContentText() : "", commit.Sha, commit.Author.Name, commit.Author.Email,
            commit.Author.When, commit.MessageShort, blob.Size);
}
