/* main.c — stratd: see stratd.c. */
#include "stratd.h"

int main(int argc, char **argv)
{
    return stratd_main(argc, argv, NULL);
}
