namespace ZlhGrind.Silo;

internal static class Program
{
    public static void Main()
    {
    }
}
