// dlib_dump: helper for converting dlib's face recognition ResNet to ONNX.
//
// Build (Debian libdlib-dev 19.24):
//   g++ -O2 -std=c++14 dlib_dump.cpp -o dlib_dump $(pkg-config --cflags --libs dlib-1)
//
// Usage:
//   dlib_dump MODEL.dat OUT.xml
//       Deserialize the network and write dlib::net_to_xml() (all parameters,
//       9 significant digits = exact float32 round trip).
//   dlib_dump MODEL.dat --descriptors CROP1.png [CROP2.png ...]
//       For each already-aligned 150x150 RGB PNG crop, print dlib's own raw
//       128-d descriptor (net(crop), not normalized) as one JSON line.
//
// The network type below is copied verbatim (modulo namespaces) from dlib's
// examples/dnn_face_recognition_ex.cpp.  dlib::deserialize() checks every
// layer's type and template parameters (kernel sizes, strides, paddings,
// filter counts), so loading the .dat into this type fails loudly if the
// declaration does not match the file.

#include <dlib/dnn.h>
#include <dlib/image_io.h>
#include <cstdio>
#include <iostream>
#include <string>

using namespace dlib;

template <template <int,template<typename>class,int,typename> class block, int N, template<typename>class BN, typename SUBNET>
using residual = add_prev1<block<N,BN,1,tag1<SUBNET>>>;

template <template <int,template<typename>class,int,typename> class block, int N, template<typename>class BN, typename SUBNET>
using residual_down = add_prev2<avg_pool<2,2,2,2,skip1<tag2<block<N,BN,2,tag1<SUBNET>>>>>>;

template <int N, template <typename> class BN, int stride, typename SUBNET>
using block  = BN<con<N,3,3,1,1,relu<BN<con<N,3,3,stride,stride,SUBNET>>>>>;

template <int N, typename SUBNET> using ares      = relu<residual<block,N,affine,SUBNET>>;
template <int N, typename SUBNET> using ares_down = relu<residual_down<block,N,affine,SUBNET>>;

template <typename SUBNET> using alevel0 = ares_down<256,SUBNET>;
template <typename SUBNET> using alevel1 = ares<256,ares<256,ares_down<256,SUBNET>>>;
template <typename SUBNET> using alevel2 = ares<128,ares<128,ares_down<128,SUBNET>>>;
template <typename SUBNET> using alevel3 = ares<64,ares<64,ares<64,ares_down<64,SUBNET>>>>;
template <typename SUBNET> using alevel4 = ares<32,ares<32,ares<32,SUBNET>>>;

using anet_type = loss_metric<fc_no_bias<128,avg_pool_everything<
                            alevel0<
                            alevel1<
                            alevel2<
                            alevel3<
                            alevel4<
                            max_pool<3,3,2,2,relu<affine<con<32,7,7,2,2,
                            input_rgb_image_sized<150>
                            >>>>>>>>>>>>;

static void usage()
{
    std::cerr << "usage:\n"
                 "  dlib_dump MODEL.dat OUT.xml\n"
                 "  dlib_dump MODEL.dat --descriptors CROP1.png [CROP2.png ...]\n";
}

static std::string json_escape(const std::string& s)
{
    std::string o;
    for (char c : s)
    {
        if (c == '"' || c == '\\') { o += '\\'; o += c; }
        else if ((unsigned char)c < 0x20) { char b[8]; std::snprintf(b, sizeof b, "\\u%04x", c); o += b; }
        else o += c;
    }
    return o;
}

int main(int argc, char** argv)
{
    if (argc < 3) { usage(); return 2; }
    try
    {
        anet_type net;
        deserialize(argv[1]) >> net;

        const std::string mode = argv[2];
        if (mode != "--descriptors")
        {
            if (argc != 3) { usage(); return 2; }
            net_to_xml(net, mode);
            std::cerr << "wrote " << mode << "\n";
            return 0;
        }

        if (argc < 4) { usage(); return 2; }
        for (int i = 3; i < argc; ++i)
        {
            matrix<rgb_pixel> crop;
            load_png(crop, argv[i]);
            if (crop.nr() != 150 || crop.nc() != 150)
                throw error(std::string("expected a 150x150 crop: ") + argv[i]);
            matrix<float,0,1> d = net(crop);
            std::printf("{\"file\":\"%s\",\"descriptor\":[", json_escape(argv[i]).c_str());
            for (long j = 0; j < d.size(); ++j)
                std::printf("%s%.9g", j ? "," : "", d(j));
            std::printf("]}\n");
        }
        return 0;
    }
    catch (std::exception& e)
    {
        std::cerr << "dlib_dump: " << e.what() << "\n";
        return 1;
    }
}
