using System;

namespace JumpHost.Engine.Agent;

/// <summary>
/// Reads the fields of one reply (without its length prefix). A length that runs past the end is a
/// FormatException, never an out-of-range read: the bytes come from another process.
/// </summary>
internal sealed class SshAgentReply
{
    private readonly byte[] _data;
    private int _offset;

    public SshAgentReply(byte[] data)
    {
        _data = data;
    }

    public int Offset => _offset;

    public int Remaining => _data.Length - _offset;

    public byte ReadByte()
    {
        Require(1);
        return _data[_offset++];
    }

    public uint ReadUInt32()
    {
        Require(4);
        var value = ((uint)_data[_offset] << 24) | ((uint)_data[_offset + 1] << 16) | ((uint)_data[_offset + 2] << 8) | _data[_offset + 3];
        _offset += 4;
        return value;
    }

    public byte[] ReadString()
    {
        var length = ReadUInt32();
        if (length > (uint)Remaining)
        {
            throw new FormatException($"a field claims {length} bytes where {Remaining} are left");
        }

        var value = new byte[length];
        Buffer.BlockCopy(_data, _offset, value, 0, value.Length);
        _offset += value.Length;
        return value;
    }

    private void Require(int count)
    {
        if (Remaining < count)
        {
            throw new FormatException("the message ends in the middle of a field");
        }
    }
}
